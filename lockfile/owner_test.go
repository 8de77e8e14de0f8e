package lockfile

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	good := Owner{PID: 42, Host: "mailhost", Exe: `C:\mailq\mailq.exe`,
		Started: time.Date(2025, 1, 31, 9, 15, 2, 123456789, time.UTC), Instance: "i1", Token: "abc"}
	crlf := bytes.ReplaceAll(good.encode(), []byte("\n"), []byte("\r\n"))
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"encoded", string(good.encode()), true},
		{"crlf", string(crlf), true},
		{"unknown key", "7\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=t\nnew=x\n", true},
		{"no final newline", "7\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=t", true},
		{"empty", "", false},
		{"pid only", "42\n", false},
		{"pid zero", "0\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=t\n", false},
		{"negative pid", "-1\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=t\n", false},
		{"plus pid", "+5\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=t\n", false},
		{"huge pid", "99999999999\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=t\n", false},
		{"other version", "7\nmailq-lock=2\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=t\n", false},
		{"no token", "7\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\n", false},
		{"empty token", "7\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=\n", false},
		{"bad time", "7\nmailq-lock=1\nhost=h\nstarted=yesterday\ntoken=t\n", false},
		{"repeated key", "7\nmailq-lock=1\nhost=h\nhost=i\nstarted=2025-01-31T09:15:02Z\ntoken=t\n", false},
		{"stray cr", "7\nmailq-lock=1\nhost=h\r\r\nstarted=2025-01-31T09:15:02Z\ntoken=t\n", false},
		{"no equals", "7\nmailq-lock=1\nhost\nstarted=2025-01-31T09:15:02Z\ntoken=t\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := parse([]byte(tc.in))
			if tc.ok != (err == nil) {
				t.Fatalf("parse = %+v, %v; want ok=%v", o, err, tc.ok)
			}
			if err != nil && !errors.Is(err, errFormat) {
				t.Errorf("error %v does not wrap errFormat", err)
			}
		})
	}
	o, err := parse(good.encode())
	if err != nil || !sameOwner(o, good) {
		t.Fatalf("round trip: %+v, %v; want %+v", o, err, good)
	}
}

func sameOwner(a, b Owner) bool {
	return a.PID == b.PID && a.Host == b.Host && a.Exe == b.Exe && a.Started.Equal(b.Started) &&
		a.Instance == b.Instance && a.Token == b.Token
}

// FuzzParse checks that parse never panics and that whatever it accepts
// survives encode and parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add(Owner{PID: 1, Host: "h", Exe: "/x", Started: time.Unix(0, 5), Token: "t"}.encode())
	f.Add([]byte("7\r\nmailq-lock=1\r\nhost=\r\nstarted=2025-01-31T09:15:02+01:00\r\ntoken=t\r\n"))
	f.Add([]byte("7\nmailq-lock=1\nhost=h\nstarted=2025-01-31T09:15:02Z\ntoken=t\nx=y=z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := parse(data)
		if err != nil {
			return
		}
		o2, err := parse(o.encode())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", o.encode(), err)
		}
		if !sameOwner(o, o2) {
			t.Fatalf("round trip changed %+v into %+v", o, o2)
		}
	})
}
