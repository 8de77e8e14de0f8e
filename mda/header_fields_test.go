package mda

import (
	"strings"
	"testing"
)

// TestFieldNameEdges: a field name is printable ASCII from "!" to "~"
// (RFC 5322 §2.2), so names made of the edge characters still start fields
// (and a Return-Path after them is still removed), while a name with a
// control or a non-ASCII byte ends the header section there.
func TestFieldNameEdges(t *testing.T) {
	t.Parallel()
	const rp = "Return-Path: <a@b.example>\r\n"
	cases := []struct {
		first string
		field bool
	}{
		{"!: 1\r\n", true},
		{"~: 1\r\n", true},
		{"X-!~: 1\r\n", true},
		{"X\x7fY: 1\r\n", false},
		{"X\x1fY: 1\r\n", false},
		{"X\x80Y: 1\r\n", false},
	}
	for _, c := range cases {
		msg := c.first + rp + "\r\nbody\r\n"
		h, err := readHeader(strings.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		kept, rest := string(h.kept), msg[h.bodyOff:]
		if c.field && (kept != c.first || rest != "\r\nbody\r\n") {
			t.Errorf("%q is a field: kept %q, rest %q", c.first, kept, rest)
		}
		if !c.field && (kept != "" || rest != msg) {
			t.Errorf("%q is no field: kept %q, rest %q", c.first, kept, rest)
		}
	}
}

// TestDeliveryHeaderFields: the fields put on top of a copy keep a quoted
// local part's spaces and drop only what could end the line early (controls
// and DEL); X-Original-To only when an alias changed the address, X-GUID
// only when the message has none.
func TestDeliveryHeaderFields(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		sender   string
		t        target
		tracking string
		hasGUID  bool
		want     string
	}{
		{"quoted sender with a space", `"john smith"@far.example`, target{addr: "alice@test.example"}, "", false,
			"Return-Path: <\"john smith\"@far.example>\r\nDelivered-To: alice@test.example\r\n"},
		{"controls and DEL dropped", "a\r\nb\x7f\x01@far.example", target{addr: "alice@test.example"}, "", false,
			"Return-Path: <ab@far.example>\r\nDelivered-To: alice@test.example\r\n"},
		{"alias", "", target{addr: "alice@test.example", orig: "sales@test.example"}, "", false,
			"Return-Path: <>\r\nDelivered-To: alice@test.example\r\nX-Original-To: sales@test.example\r\n"},
		{"tracking id added", "s@far.example", target{addr: "alice@test.example"}, "abc", false,
			"Return-Path: <s@far.example>\r\nDelivered-To: alice@test.example\r\nX-GUID: abc\r\n"},
		{"tracking id there already", "s@far.example", target{addr: "alice@test.example"}, "abc", true,
			"Return-Path: <s@far.example>\r\nDelivered-To: alice@test.example\r\n"},
	}
	for _, c := range cases {
		if got := string(deliveryHeader(c.sender, c.t, c.tracking, c.hasGUID)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
