package smtp

import (
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// TestGroupLocalSendersOnly: with GroupsLocalSendersOnly a distribution
// group refuses a sender from outside at RCPT and takes one from loopback
// or logged in; without it, anyone may write to it like to any local
// address.
func TestGroupLocalSendersOnly(t *testing.T) {
	t.Parallel()
	for _, only := range []bool{false, true} {
		ln := testutil.ListenRemote(t)
		startServerOn(t, ln, nil, func(o *Options) { o.GroupsLocalOnly = only })
		outside, _ := remoteClient(t, ln, "192.0.2.70")
		outside.expect("EHLO far.example", "250")
		outside.expect("MAIL FROM:<someone@far.example>", "250")
		want := "250 2.1.5"
		if only {
			want = "550 5.7.1"
		}
		if got := outside.cmd("RCPT TO:<all@test.example>"); !strings.HasPrefix(got, want) {
			t.Errorf("local only %v, outside sender: RCPT to the group got %q, want %s", only, got, want)
		}
		outside.expect("RCPT TO:<sales@test.example>", "250") // a plain alias stays open

		inside, _ := remoteClient(t, ln, "127.0.0.1")
		inside.expect("EHLO inside.example", "250")
		inside.expect("MAIL FROM:<someone@far.example>", "250")
		inside.expect("RCPT TO:<all@test.example>", "250")
	}
}
