package pop3

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"mailq/accounts"
	"mailq/internal/testutil"
)

// utf8Account adds the account jörg@bücher.example (stored, as /ADDUSER
// stores it, as jörg@xn--bcher-kva.example) with a message whose header is
// UTF-8, and returns the environment, not yet started.
func utf8Account(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	if err := accounts.Add(e.acct, "jörg@bücher.example", "pässwort"); err != nil {
		t.Fatal(err)
	}
	e.deliver(t, "jörg@xn--bcher-kva.example", "2024010112000000000009", utf8Message)
	return e
}

const utf8Message = "Subject: Grüße\r\nFrom: <jörg@bücher.example>\r\n\r\nhallo\r\n"

// TestUTF8LoginNames: a login name is read as the account parser reads
// addresses (NFC local part, A-label domain, no case), whatever spelling
// the client sends, with every login method; the reply names the account
// in UTF-8 only in UTF-8 mode (RFC 6856 §2), and the message goes as is.
func TestUTF8LoginNames(t *testing.T) {
	t.Parallel()
	e := utf8Account(t)
	e.start(t)
	const stored = "jörg@xn--bcher-kva.example"
	for _, tc := range []struct {
		name, login string
		utf8        bool
	}{
		{"U-label domain", "jörg@bücher.example", false},
		{"U-label domain, UTF-8 mode", "Jörg@Bücher.example", true},
		{"decomposed ö (NFD)", "jo\u0308rg@bu\u0308cher.example", true},
		{"stored form", stored, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := "+OK the mailbox has 1 message ("
			for _, how := range []string{"USER", "AUTH PLAIN", "AUTH CRAM-MD5"} {
				cl := dial(t, e.addr)
				if tc.utf8 {
					cl.must("+OK UTF-8 mode", "UTF8")
					want = "+OK " + stored + " has 1 message ("
				}
				switch how {
				case "USER":
					cl.must("+OK", "USER %s", tc.login)
					cl.must(want, "PASS pässwort")
				case "AUTH PLAIN":
					cl.must(want, "AUTH PLAIN %s", base64.StdEncoding.EncodeToString([]byte("\x00"+tc.login+"\x00pässwort")))
				case "AUTH CRAM-MD5":
					cl.must(want, "%s", cram(t, cl.must("+ ", "AUTH CRAM-MD5"), tc.login, "pässwort"))
				}
				cl.must("+OK", "RETR 1")
				var got []string
				for l := cl.line(); l != "."; l = cl.line() {
					got = append(got, l)
				}
				if strings.Join(got, "\r\n")+"\r\n" != utf8Message {
					t.Errorf("%s: RETR gave %q", how, got)
				}
				cl.must("+OK", "QUIT")
			}
		})
	}
	// A name that is not the account's, in any spelling, fails.
	cl := dial(t, e.addr)
	cl.must("+OK", "USER jorg@bücher.example")
	cl.must("-ERR", "PASS pässwort")
}

// poplibUTF8Script logs in with Python's poplib after POP3.utf8() (RFC 6856
// UTF8), with the U-label spelling of the account, and retrieves the
// message.
const poplibUTF8Script = `
import json, poplib, sys
host, port = sys.argv[1], int(sys.argv[2])
out = {}
p = poplib.POP3(host, port, timeout=10)
out["capa"] = {k: v for k, v in p.capa().items()}
out["utf8"] = p.utf8().decode()
out["user"] = p.user("Jörg@Bücher.example").decode()
out["pass"] = p.pass_("pässwort").decode()
resp, lines, octets = p.retr(1)
out["retr"] = [x.decode("utf-8") for x in lines]
p.quit()
print(json.dumps(out))
`

func TestPythonPoplibUTF8(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "poplib")
	e := utf8Account(t)
	e.start(t)
	host, port := hostPort(t, e.addr)
	out := run(t, e.dir, []string{"PYTHONIOENCODING=utf-8"}, py, "-c", poplibUTF8Script, host, port)
	var got struct {
		Capa map[string][]string `json:"capa"`
		UTF8 string              `json:"utf8"`
		User string              `json:"user"`
		Pass string              `json:"pass"`
		Retr []string            `json:"retr"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if !slices.Equal(got.Capa["UTF8"], []string{"USER"}) || got.UTF8 != "+OK UTF-8 mode" ||
		!strings.HasPrefix(got.Pass, "+OK jörg@xn--bcher-kva.example has 1 message") ||
		!slices.Equal(got.Retr, []string{"Subject: Grüße", "From: <jörg@bücher.example>", "", "hallo"}) {
		t.Errorf("poplib saw:\n%s", out)
	}
}
