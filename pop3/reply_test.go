package pop3

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"testing"

	"mailq/accounts"
	"mailq/lockfile"
	"mailq/queue"
)

func TestReplyWire(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		r    Reply
		want string
	}{
		{"ok", ok("fine"), "+OK fine\r\n"},
		{"ok bare", ok(""), "+OK\r\n"},
		{"err with code", Reply{Code: CodeInUse, Text: "busy"}, "-ERR [IN-USE] busy\r\n"},
		{"multi-line stuffed", multi("list", []string{"a", ".b", "..", ""}), "+OK list\r\na\r\n..b\r\n...\r\n\r\n.\r\n"},
		{"multi-line empty", multi("none", nil), "+OK none\r\n.\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			w := bufio.NewWriter(&buf)
			if err := c.r.writeTo(w); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			if buf.String() != c.want {
				t.Fatalf("wire form %q, want %q", buf.String(), c.want)
			}
		})
	}
}

// TestReplyFor checks the one mapping from errors to replies: credentials
// problems all look alike to the client, a held lock is [IN-USE], and the
// unexpected is [SYS/TEMP].
func TestReplyFor(t *testing.T) {
	t.Parallel()
	wrapped := func(err error) error { return fmt.Errorf("context: %w", err) }
	cases := []struct {
		err  error
		want Reply
	}{
		{wrapped(accounts.ErrUnknown), replyAuthFailed},
		{wrapped(accounts.ErrPassword), replyAuthFailed},
		{wrapped(accounts.ErrSecret), replyAuthFailed},
		{wrapped(accounts.ErrLocked), replyAuthFailed},
		{wrapped(&lockfile.HeldError{Path: "x", PID: 1}), replyInUse},
		{wrapped(queue.ErrNotFound), replyGone},
		{wrapped(Reply{Code: CodeSysPerm, Text: "exact"}), Reply{Code: CodeSysPerm, Text: "exact"}},
		{errors.New("disk on fire"), replyTempFail},
	}
	for _, c := range cases {
		if got := replyFor(c.err); got.status() != c.want.status() {
			t.Errorf("replyFor(%v) = %q, want %q", c.err, got.status(), c.want.status())
		}
	}
}

func TestPlural(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 messages", 1: "1 message", 2: "2 messages"} {
		if got := plural(n, "message"); got != want {
			t.Errorf("plural(%d) = %q", n, got)
		}
	}
}
