package queue

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzParseEnvelope checks the properties of the .auth format, not just the
// absence of panics: whatever ParseEnvelope accepts, MarshalText writes in a
// form that parses to the same value and is a fixed point; whatever it
// refuses, it refuses with ErrMalformed; and an envelope whose values are
// arbitrary bytes survives MarshalText then ParseEnvelope unchanged. Seeds
// are in testdata/fuzz/FuzzParseEnvelope.
func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("mailq-envelope 1\nfrom <>\nrcpt a@b\nend\n"))
	f.Add([]byte("mailq-envelope 2\norigin remote\nfrom <>\nrcpt a@b orig=c@d\nend\n"))
	f.Add([]byte("mailq-envelope 2\nfrom <>\nrcpt a@b\nend\n")) // version 2 without origin: written back as 1
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEnvelope(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
		} else {
			text, err := e.MarshalText()
			if err != nil {
				t.Fatalf("accepted %q but cannot marshal it: %v", data, err)
			}
			again, err := ParseEnvelope(text)
			if err != nil {
				t.Fatalf("cannot parse my own output %q: %v", text, err)
			}
			if !reflect.DeepEqual(again, e) {
				t.Fatalf("round trip changed the value:\n%+v\n%+v", e, again)
			}
			text2, _ := again.MarshalText()
			if !bytes.Equal(text, text2) {
				t.Fatalf("output is not a fixed point:\n%s\n%s", text, text2)
			}
		}
		roundTripValues(t, string(data))
	})
}

// roundTripValues puts s into every free-text field and checks that the
// envelope parses back equal.
func roundTripValues(t *testing.T, s string) {
	addr := s
	if addr == "" {
		addr = "x"
	}
	for o := range Origin(len(originNames)) {
		e := &Envelope{
			Tracking: s, Helo: s, AuthUser: s, Origin: o, From: s, Size: int64(len(s)),
			Recipients: []Recipient{{N: 1, Addr: addr, Orig: s, Result: s, Attempts: len(s)}},
		}
		text, err := e.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText with values %q: %v", s, err)
		}
		// Version 2 only when it says something version 1 cannot.
		if v2 := bytes.HasPrefix(text, []byte("mailq-envelope 2\n")); v2 != (o != OriginUnknown) {
			t.Fatalf("origin %q written as %.17q", o, text)
		}
		got, err := ParseEnvelope(text)
		if err != nil {
			t.Fatalf("values %q: cannot parse %q: %v", s, text, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("values %q: got\n%+v\nwant\n%+v", s, got, e)
		}
	}
}
