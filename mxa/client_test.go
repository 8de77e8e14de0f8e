package mxa

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailq/config"
	"mailq/queue"
)

// TestTLS: STARTTLS is used when offered; certificates are checked only with
// VerifyTLS; RequireTLS refuses plain text; a failed handshake falls back to
// plain text only when TLS is opportunistic.
func TestTLS(t *testing.T) {
	t.Parallel()
	good, pool := selfSigned(t, "peer.test")
	tests := []struct {
		name      string
		tls       *tls.Config
		mod       func(*Options)
		sessions  int
		wantTLS   bool   // the message went over TLS
		delivered bool   // the message was delivered
		result    string // else: the recorded result contains this
	}{
		{"opportunistic", good, nil, 1, true, true, ""},
		{"verified", good, func(o *Options) { o.MXA.VerifyTLS = true; o.RootCAs = pool }, 1, true, true, ""},
		{"unverifiable", good, func(o *Options) { o.MXA.VerifyTLS = true }, 1, false, false, "4.7.5 TLS with"},
		{"required and offered", good, func(o *Options) { o.MXA.RequireTLS = true }, 1, true, true, ""},
		{"required, not offered", nil, func(o *Options) { o.MXA.RequireTLS = true }, 1, false, false, "4.7.4"},
		{"handshake fails, plain fallback", &tls.Config{}, nil, 2, false, true, ""},
		{"handshake fails, required", &tls.Config{}, func(o *Options) { o.MXA.RequireTLS = true }, 1, false, false, "4.7.5"},
		{"plain", nil, nil, 1, false, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{TLS: tc.tls})
			f := newFixture(t, nil, func(o *Options) {
				// Name the gateway so the certificate can match it.
				o.MXA.MX = config.MXLocal
				o.LocalMX = []config.MXRoute{{Domain: "example.org", Host: "peer.test", Port: int(p.Addr.Port())}}
				if tc.mod != nil {
					tc.mod(o)
				}
			})
			f.a.router.lookup = fixedLookup(p.Addr.Addr())
			id := f.put(queue.External, "alice@origin.test", "bob@example.org")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			ss := p.Sessions()
			if len(ss) != tc.sessions {
				t.Fatalf("%d sessions, want %d", len(ss), tc.sessions)
			}
			last := ss[len(ss)-1]
			if last.Accepted != tc.delivered || (tc.delivered && last.TLS != tc.wantTLS) {
				t.Errorf("session %+v", last)
			}
			if !tc.delivered {
				if r := f.env(queue.Retry, id.Derive(1)).Recipients[0]; !strings.Contains(r.Result, tc.result) {
					t.Errorf("result %q, want %q", r.Result, tc.result)
				}
			}
		})
	}
}

// TestAuth: the gateway and the [LocalMX] catch-all get the login, other
// hosts do not; a refused login leaves the mail waiting.
func TestAuth(t *testing.T) {
	t.Parallel()
	users := map[string]string{"office": "s3cret"}
	tests := []struct {
		name      string
		catchAll  bool // route by [LocalMX] instead of the gateway
		domain    string
		pass      string
		login     string // the user the peer saw
		delivered bool
	}{
		{"gateway", false, "", "s3cret", "office", true},
		{"gateway, wrong password", false, "", "wrong", "", false},
		{"catch-all", true, "*", "s3cret", "office", true},
		{"named domain: no login", true, "example.org", "s3cret", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Users: users})
			f := newFixture(t, p, func(o *Options) {
				o.MXA.GatewayUser, o.MXA.GatewayPassword = "office", tc.pass
				if tc.catchAll {
					o.MXA.MX = config.MXLocal
					o.LocalMX = []config.MXRoute{{Domain: tc.domain, Host: "127.0.0.1", Port: int(p.Addr.Port())}}
				}
			})
			id := f.put(queue.External, "alice@origin.test", "bob@example.org")
			f.run(queue.External, id)
			ss := p.Sessions()
			if len(ss) != 1 || ss[0].User != tc.login || ss[0].Accepted != tc.delivered {
				t.Fatalf("sessions %+v", ss)
			}
			if tc.login != "" && ss[0].Mech != "PLAIN" {
				t.Errorf("logged in with %s, want PLAIN (offered first, one round trip)", ss[0].Mech)
			}
			if !tc.delivered {
				r := f.env(queue.Retry, id.Derive(1)).Recipients[0]
				if !strings.Contains(r.Result, "4.7.8") || strings.Contains(r.Result, tc.pass) {
					t.Errorf("result %q", r.Result)
				}
			}
		})
	}
	t.Run("LOGIN only", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, &peer{Users: users, Ext: []string{"AUTH LOGIN"}})
		f := newFixture(t, p, func(o *Options) { o.MXA.GatewayUser, o.MXA.GatewayPassword = "office", "s3cret" })
		f.run(queue.External, f.put(queue.External, "alice@origin.test", "bob@example.org"))
		if ss := p.Sessions(); ss[0].User != "office" || ss[0].Mech != "LOGIN" || !ss[0].Accepted {
			t.Errorf("sessions %+v", ss)
		}
	})
}

// TestMailParams: SIZE and BODY=8BITMIME go with MAIL, and the commands are
// pipelined, only when the server offers them.
func TestMailParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ext     []string
		body8   bool
		mail    string
		batched bool
	}{
		{"all offered, 8-bit", nil, true, "FROM:<alice@origin.test> SIZE=%d BODY=8BITMIME", true},
		{"all offered, 7-bit", nil, false, "FROM:<alice@origin.test> SIZE=%d", true},
		{"none offered, 8-bit", []string{}, true, "FROM:<alice@origin.test>", false},
		{"8BITMIME only", []string{"8BITMIME"}, true, "FROM:<alice@origin.test> BODY=8BITMIME", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Ext: tc.ext})
			f := newFixture(t, p, nil)
			env := &queue.Envelope{ID: queue.NewID(time.Now()), From: "alice@origin.test",
				Recipients: []queue.Recipient{{Addr: "bob@example.org"}, {Addr: "carol@example.org"}}}
			if tc.body8 {
				env.Body = queue.Body8BitMIME
			}
			if err := f.tree.WriteSet(queue.External, env, strings.NewReader("Subject: caf\xc3\xa9\r\n\r\nna\xc3\xafve\r\n")); err != nil {
				t.Fatal(err)
			}
			if res := f.run(queue.External, env.ID); res.err != nil {
				t.Fatal(res.err)
			}
			ss := p.Sessions()
			if len(ss) != 1 || !ss[0].Accepted {
				t.Fatalf("sessions %+v", ss)
			}
			want := tc.mail
			if strings.Contains(want, "%d") {
				want = fmt.Sprintf(want, f.env(queue.Sent, env.ID).Size)
			}
			if ss[0].MailArg != want || ss[0].Batched != tc.batched {
				t.Errorf("MAIL %q batched=%v, want %q batched=%v", ss[0].MailArg, ss[0].Batched, want, tc.batched)
			}
		})
	}
}

// TestTrimErr: a network error is reported by its last part, without the
// operation and addresses around it.
func TestTrimErr(t *testing.T) {
	t.Parallel()
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	tests := []struct {
		err  error
		want string
	}{
		{reset, syscall.ECONNRESET.Error()},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("no route")}, "no route"},
		{fmt.Errorf("session: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused")}), "refused"},
		{errors.New("plain"), "plain"},
	}
	for _, tc := range tests {
		if got := trimErr(tc.err); got != tc.want {
			t.Errorf("trimErr(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestSessionBudget: a session may last Session plus a second per 64 KiB of
// message, so a big message is not cut off by a budget made for small ones.
// With a Session of a nanosecond, only the message's share lets it run.
func TestSessionBudget(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, func(o *Options) { o.Timeouts.Session = time.Nanosecond })
	env := &queue.Envelope{ID: queue.NewID(time.Now()), From: "alice@origin.test",
		Recipients: []queue.Recipient{{Addr: "bob@example.org"}}}
	line := strings.Repeat("x", 62) + "\r\n"
	body := "Subject: big\r\n\r\n" + strings.Repeat(line, 4*65536/len(line)+1) // a budget of 4 s
	if err := f.tree.WriteSet(queue.External, env, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if res := f.run(queue.External, env.ID); res.err != nil {
		t.Fatal(res.err)
	}
	if got := p.Delivered(); len(got) != 1 {
		t.Fatalf("delivered %v; console:\n%s", got, f.out.String())
	}
}
