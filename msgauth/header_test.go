package msgauth

import (
	"strings"
	"testing"
)

// TestRewrite: the subject tag goes in front once, a missing Subject is
// added, folded fields stay whole, an incoming X-Spam-Flag is replaced and
// only Authentication-Results naming us are dropped.
func TestRewrite(t *testing.T) {
	t.Parallel()
	c := New(Options{Host: "mx.test", SubjectTag: "[SPAM]"})
	res := Results{SPF: SPFOutcome{Result: "fail", From: "a@b.test"}}
	tests := []struct {
		name, in string
		mark     bool
		want     string // the header after our Authentication-Results
	}{
		{"plain", "Subject: hi\r\nFrom: a@b.test\r\n\r\nbody\r\n", true,
			"X-Spam-Flag: YES\r\nSubject: [SPAM] hi\r\nFrom: a@b.test\r\n\r\nbody\r\n"},
		{"tagged already", "Subject: [SPAM] hi\r\n\r\nbody\r\n", true,
			"X-Spam-Flag: YES\r\nSubject: [SPAM] hi\r\n\r\nbody\r\n"},
		{"folded", "Subject:\r\n long\r\n subject\r\nX-Spam-Flag: NO\r\n\r\n", true,
			"X-Spam-Flag: YES\r\nSubject: [SPAM]\r\n long\r\n subject\r\n\r\n"},
		{"no subject", "From: a@b.test\r\n\r\nb\r\n", true,
			"X-Spam-Flag: YES\r\nFrom: a@b.test\r\nSubject: [SPAM]\r\n\r\nb\r\n"},
		{"not marked", "Subject: hi\r\nX-Spam-Flag: NO\r\n\r\n", false, "Subject: hi\r\nX-Spam-Flag: NO\r\n\r\n"},
		{"forged results", "Authentication-Results: mx.test; dkim=pass\r\nAuthentication-Results: mx.test.evil; dkim=pass\r\n" +
			"Authentication-Results:\r\n  Mx.Test (v=1); spf=pass\r\n" +
			"Authentication-Results: (a (nested) \\) comment)mx.test; spf=pass\r\n\r\n", false,
			"Authentication-Results: mx.test.evil; dkim=pass\r\n\r\n"},
		{"no header end", "Subject: hi", true, "X-Spam-Flag: YES\r\nSubject: [SPAM] hi"},
	}
	for _, tc := range tests {
		got := string(c.Rewrite([]byte(tc.in), res, tc.mark))
		ar := "Authentication-Results: mx.test; spf=fail smtp.mailfrom=a@b.test\r\n"
		if !strings.HasPrefix(got, ar) || got[len(ar):] != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, ar+tc.want)
		}
	}
}

// FuzzRewrite: any message from a client is rewritten without a panic,
// with exactly one Authentication-Results of ours on top, and its body
// (what follows the header) unchanged.
func FuzzRewrite(f *testing.F) {
	f.Add([]byte("Subject: hi\r\nFrom: a@b.test\r\n\r\nbody\r\n"), true)
	f.Add([]byte("Authentication-Results: mx.test; x\r\n\tmore\r\nSubject:\r\n\r\n"), false)
	f.Add([]byte(" leading continuation\r\nFrom: <a@b.test>, <c@d.test>\r\n\nbare LF"), true)
	f.Add([]byte("no colon line\nSubject: [SPAM]"), true)
	c := New(Options{Host: "mx.test", SubjectTag: "[SPAM]"})
	f.Fuzz(func(t *testing.T, msg []byte, mark bool) {
		fromDomain(msg)
		out := c.Rewrite(msg, Results{SPF: SPFOutcome{Result: "none"}}, mark)
		_, hend := fields(msg)
		if !strings.HasSuffix(string(out), string(msg[hend:])) {
			t.Fatalf("body changed: %q -> %q", msg, out)
		}
		if !strings.HasPrefix(string(out), "Authentication-Results: mx.test; spf=none\r\n") {
			t.Fatalf("no header of ours on top: %q", out)
		}
		fs, _ := fields(out)
		n := 0
		for _, f := range fs {
			if strings.EqualFold(f.name, "Authentication-Results") && c.ours(f.value(out)) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d Authentication-Results of ours in %q", n, out)
		}
	})
}
