package mailtest

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func runAgainst(t *testing.T, addr string, args ...string) (int, string) {
	t.Helper()
	host, port := splitHostPort(t, addr)
	var out strings.Builder
	args = append([]string{host}, args...)
	args = append(args, "/PORT:"+port)
	code := Run(context.Background(), args, Env{Stdout: &out, Hostname: "client.test", Timeout: 10 * time.Second})
	return code, out.String()
}

// TestSMTPExitCodes checks every SMTP outcome against a server that verifies
// the credentials each mechanism carries.
func TestSMTPExitCodes(t *testing.T) {
	t.Parallel()
	const user, pw = "a@x.test", "s3cret"
	cases := []struct {
		name string
		srv  behaviour
		args []string
		want int
	}{
		{"no login", behaviour{}, []string{user, "b@y.test"}, ExitOK},
		{"plain", behaviour{mechs: "PLAIN"}, []string{user, "b@y.test", pw, "/AUTHPLAIN"}, ExitOK},
		{"login", behaviour{mechs: "LOGIN"}, []string{user, "b@y.test", pw, "/AUTHLOGIN"}, ExitOK},
		{"cram", behaviour{mechs: "CRAM-MD5"}, []string{user, "b@y.test", pw, "/AUTHCRAM"}, ExitOK},
		{"best picks cram", behaviour{mechs: "LOGIN PLAIN CRAM-MD5"}, []string{user, "b@y.test", pw}, ExitOK},
		{"plain wrong", behaviour{mechs: "PLAIN"}, []string{user, "b@y.test", "bad", "/AUTHPLAIN"}, ExitAuthPlain},
		{"login wrong", behaviour{mechs: "LOGIN"}, []string{user, "b@y.test", "bad", "/AUTHLOGIN"}, ExitAuthLogin},
		{"cram wrong", behaviour{mechs: "CRAM-MD5"}, []string{user, "b@y.test", "bad", "/AUTHCRAM"}, ExitAuthCRAM},
		{"cram no challenge", behaviour{mechs: "CRAM-MD5", noChallenge: true}, []string{user, "b@y.test", pw, "/AUTHCRAM"}, ExitCRAMNoReply},
		{"nothing offered", behaviour{mechs: ""}, []string{user, "b@y.test", pw}, ExitSMTPFailure},
		{"rcpt refused", behaviour{rcptCode: "550 5.1.1 no such user"}, []string{user, "b@y.test"}, ExitSMTPFailure},
		{"three messages", behaviour{}, []string{user, "b@y.test", "/COUNT:3", "/HTML", "/SIZE:5000"}, ExitOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := &fakeSMTP{behaviour: c.srv, user: user, pw: pw}
			code, out := runAgainst(t, srv.start(t), c.args...)
			if code != c.want {
				t.Fatalf("exit %d, want %d:\n%s", code, c.want, out)
			}
			secret := base64.StdEncoding.EncodeToString([]byte(pw))
			if strings.Contains(out, pw) || strings.Contains(out, secret) {
				t.Errorf("the trace shows the password:\n%s", out)
			}
			if c.want == ExitOK && !strings.Contains(out, "OK: ") {
				t.Errorf("no success line:\n%s", out)
			}
		})
	}
}

func TestSMTPMessages(t *testing.T) {
	t.Parallel()
	srv := &fakeSMTP{}
	code, out := runAgainst(t, srv.start(t), "a@x.test", "b@y.test", "/COUNT:3", "/HTML", "/SIZE:5000", "/EHLO")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.messages) != 3 {
		t.Fatalf("server got %d messages, want 3", len(srv.messages))
	}
	for _, m := range srv.messages {
		body := m[indexBody(m):]
		if !strings.Contains(m, "Content-Type: text/html") || len(body) < 4999 || len(body) > 5000 {
			t.Errorf("message: html=%v body=%d bytes", strings.Contains(m, "text/html"), len(body))
		}
	}
	if !strings.Contains(strings.Join(srv.lines, "\n"), "SIZE=") {
		t.Error("MAIL FROM did not declare SIZE although the server offers it")
	}
}

func TestPOPExitCodes(t *testing.T) {
	t.Parallel()
	const user, pw = "bob@x.test", "pa ss"
	stamp := "fake POP3 <1896.697170952@fake.test>"
	cases := []struct {
		name string
		srv  fakePOP
		args []string
		want int
	}{
		{"user pass", fakePOP{greeting: stamp, messages: 1}, []string{user, pw, "/POP"}, ExitOK},
		{"empty mailbox", fakePOP{greeting: stamp}, []string{user, pw, "/POP"}, ExitOK},
		{"apop", fakePOP{greeting: stamp, messages: 2}, []string{user, pw, "/POP", "/APOP"}, ExitOK},
		{"wrong pass", fakePOP{greeting: stamp}, []string{user, "bad", "/POP"}, ExitPOPAuth},
		{"wrong apop", fakePOP{greeting: stamp}, []string{user, "bad", "/POP", "/APOP"}, ExitPOPAuth},
		{"apop without stamp", fakePOP{greeting: "fake POP3 ready"}, []string{user, pw, "/POP", "/APOP"}, ExitAPOPNoStamp},
		{"rpop refused", fakePOP{greeting: stamp}, []string{user, "/POP", "/RPOP"}, ExitPOPAuth},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := c.srv
			srv.user, srv.pw = user, pw
			code, out := runAgainst(t, srv.start(t), c.args...)
			if code != c.want {
				t.Fatalf("exit %d, want %d:\n%s", code, c.want, out)
			}
			if strings.Contains(out, pw) {
				t.Errorf("the trace shows the password:\n%s", out)
			}
			if c.srv.messages > 0 && c.want == ExitOK && !strings.Contains(out, "S: .dotted: x") {
				t.Errorf("message 1's headers not shown un-stuffed:\n%s", out)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: bind one and close it.
	srv := &fakeSMTP{}
	addr := srv.start(t)
	_, _ = runAgainst(t, addr, "a@x.test", "b@y.test") // consumes the one accept
	if code, out := runAgainst(t, addr, "a@x.test", "b@y.test"); code != ExitSMTPFailure {
		t.Fatalf("SMTP to a closed port: exit %d, want %d:\n%s", code, ExitSMTPFailure, out)
	}
	if code, out := runAgainst(t, addr, "u", "p", "/POP"); code != ExitPOPAuth {
		t.Fatalf("POP3 to a closed port: exit %d, want %d:\n%s", code, ExitPOPAuth, out)
	}
}
