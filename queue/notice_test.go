package queue

import (
	"reflect"
	"strings"
	"testing"
)

// TestNoticeVersion: the notice field makes an envelope version 3, with
// the origin of version 2 or without; it reads back the same.
func TestNoticeVersion(t *testing.T) {
	t.Parallel()
	for _, origin := range []Origin{OriginUnknown, OriginRemote} {
		e := &Envelope{ID: "2013100717060690338676", Origin: origin, From: "",
			Notice:     NoticeOf{ID: "2013100717060611111111", Folder: External},
			Recipients: []Recipient{{N: 1, Addr: "a@b"}}}
		text, err := e.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(text), "mailq-envelope 3\n") || !strings.Contains(string(text), "\nnotice external/2013100717060611111111\n") {
			t.Fatalf("written:\n%s", text)
		}
		got, err := ParseEnvelope(text)
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("read back %+v, %v; want %+v", got, err, e)
		}
	}
}

// TestHeld: a notice is held exactly while its set is committed in the
// folder its field names (or half way out of it); a set that is no
// notice, or one written before version 3, is never held.
func TestHeld(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	src := commitMsg(t, tr, External, "Subject: x\r\n\r\nbody\r\n")
	cases := []struct {
		name   string
		notice NoticeOf
		want   bool
	}{
		{"no notice", NoticeOf{}, false},
		{"set still there", NoticeOf{ID: src, Folder: External}, true},
		{"set in another folder", NoticeOf{ID: src, Folder: Incoming}, false},
	}
	for _, c := range cases {
		env := testEnvelope()
		env.Notice = c.notice
		if got, err := tr.Held(env); err != nil || got != c.want {
			t.Errorf("%s: Held = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	env := testEnvelope()
	env.Notice = NoticeOf{ID: src, Folder: External}
	if err := tr.Move(src, External, Failed); err != nil {
		t.Fatal(err)
	}
	if got, err := tr.Held(env); err != nil || got {
		t.Errorf("after the set was filed: Held = %v, %v; want false", got, err)
	}
}
