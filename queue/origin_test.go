package queue

import (
	"reflect"
	"strings"
	"testing"
)

// TestOriginVersions: the origin field is what makes an envelope version 2;
// without it the writer keeps version 1, which older readers accept. Both
// versions are read, and each parses back to the same value.
func TestOriginVersions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		origin Origin
		head   string
		line   string
	}{
		{OriginUnknown, "mailq-envelope 1\n", ""},
		{OriginLocal, "mailq-envelope 2\n", "origin local\n"},
		{OriginRemote, "mailq-envelope 2\n", "origin remote\n"},
	} {
		t.Run(c.origin.String(), func(t *testing.T) {
			t.Parallel()
			e := &Envelope{AuthUser: "u@x", Origin: c.origin, From: "s@x", Recipients: []Recipient{{N: 1, Addr: "a@b", Orig: "c@d"}}}
			text, err := e.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			want := c.head + "auth u@x\n" + c.line + "from s@x\n"
			if !strings.HasPrefix(string(text), want) {
				t.Fatalf("written:\n%s\nwant it to start:\n%s", text, want)
			}
			got, err := ParseEnvelope(text)
			if err != nil || !reflect.DeepEqual(got, e) {
				t.Fatalf("read back %+v, %v; want %+v", got, err, e)
			}
		})
	}
	if _, err := (&Envelope{Origin: 7, From: "s@x", Recipients: []Recipient{{N: 1, Addr: "a@b"}}}).MarshalText(); err == nil {
		t.Error("an unknown origin was written")
	}
}
