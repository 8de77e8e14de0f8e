package queue

import (
	"reflect"
	"strings"
	"testing"
)

// TestSMTPUTF8Version: the smtputf8 flag (RFC 6531) makes an envelope
// version 4, written only when set, so envelopes without it stay readable
// to older readers; a UTF-8 address is escaped like any value and read
// back the same.
func TestSMTPUTF8Version(t *testing.T) {
	t.Parallel()
	e := &Envelope{Origin: OriginRemote, From: "jörg@xn--bcher-kva.example", SMTPUTF8: true, Body: Body8BitMIME,
		Recipients: []Recipient{{N: 1, Addr: "用户@test.example"}}}
	text, err := e.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mailq-envelope 4\n", "\nbody 8BITMIME\nsmtputf8 yes\n", "\nfrom j%C3%B6rg@xn--bcher-kva.example\n"} {
		if !strings.Contains(string(text), want) {
			t.Fatalf("written:\n%s\nwant %q in it", text, want)
		}
	}
	got, err := ParseEnvelope(text)
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("read back %+v, %v; want %+v", got, err, e)
	}
	e.SMTPUTF8 = false
	if text, _ := e.MarshalText(); !strings.HasPrefix(string(text), "mailq-envelope 2\n") || strings.Contains(string(text), "smtputf8") {
		t.Fatalf("without the flag:\n%s", text)
	}
}
