package smtp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"mailq/queue"
	"mailq/wire"
)

func TestReplyWire(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		r    Reply
		want string
	}{
		{"one line", reply(250, "2.1.0", "<a@b> Sender OK"), "250 2.1.0 <a@b> Sender OK\r\n"},
		{"multi-line", Reply{Code: 214, Enh: "2.0.0", Lines: []string{"a", "b", "c"}}, "214-2.0.0 a\r\n214-2.0.0 b\r\n214 2.0.0 c\r\n"},
		{"no enhanced code", Reply{Code: 250, Lines: []string{"mx Hello", "SIZE 10"}}, "250-mx Hello\r\n250 SIZE 10\r\n"},
		{"empty text", Reply{Code: 334, Lines: []string{""}}, "334 \r\n"},
		{"no lines", Reply{Code: 250, Enh: "2.0.0"}, "250 2.0.0\r\n"},
		{"nothing to send", Reply{written: true, Close: true}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			w := bufio.NewWriter(&b)
			c.r.writeTo(w)
			w.Flush()
			if b.String() != c.want {
				t.Fatalf("wire form %q, want %q", b.String(), c.want)
			}
		})
	}
}

func TestReplyError(t *testing.T) {
	t.Parallel()
	var err error = replyAuthInvalid
	if err.Error() != "535 5.7.8 Authentication credentials invalid" {
		t.Fatalf("Error() = %q", err.Error())
	}
	if replyNoSpace.Temporary() != true || replyTooBig.Temporary() || !replyTooBig.Failed() || replyOK.Failed() {
		t.Fatal("Temporary/Failed disagree with the codes")
	}
}

// TestReplyFor checks the one error-to-reply mapping (DURABILITY rule 5).
func TestReplyFor(t *testing.T) {
	t.Parallel()
	nospace := &queue.FileError{Op: "write", Path: "/q/~x.tmp", Err: errNoSpace}
	quota := &queue.FileError{Op: "sync", Path: "/q/~x.tmp", Err: errQuota}
	big := &queue.FileError{Op: "write", Path: "/q/~x.tmp", Err: errTooBig}
	io := &queue.FileError{Op: "sync", Path: "/q/~x.tmp", Err: syscall.EIO}
	custom := reply(554, "5.7.1", "Go away").closing()
	cases := []struct {
		name string
		err  error
		want Reply
	}{
		{"no space", fmt.Errorf("queue: commit 1: %w", nospace), replyNoSpace},
		{"quota", quota, replyNoSpace},
		{"file too big", big, replyTooBig},
		{"data too large", wire.ErrTooLarge, replyTooBig},
		{"i/o error", fmt.Errorf("queue: commit 1: %w", io), replyLocalError},
		{"anything else", errors.New("boom"), replyLocalError},
		{"a reply passes through", fmt.Errorf("guard: %w", custom), custom},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := replyFor(c.err)
			if got.Error() != c.want.Error() || got.Close != c.want.Close {
				t.Fatalf("replyFor(%v) = %v, want %v", c.err, got, c.want)
			}
			if c.want.Code >= 400 && c.want.Code < 600 && got.Enh == "" {
				t.Fatal("refusal without an enhanced status code")
			}
		})
	}
}
