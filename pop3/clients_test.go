package pop3

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// run runs a client program and returns its combined output; it fails the
// test if the program fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
	return string(out)
}

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// poplibScript drives Python's poplib through USER/PASS, CAPA, STAT, UIDL,
// TOP, RETR, DELE, RSET and QUIT, then APOP in a second session, and prints
// what it saw as JSON.
const poplibScript = `
import json, poplib, sys
host, port = sys.argv[1], int(sys.argv[2])
out = {}
p = poplib.POP3(host, port, timeout=10)
out["welcome"] = p.getwelcome().decode()
out["capa"] = sorted(p.capa().keys())
p.user("alice@test.example")
p.pass_("secret")
out["stat"] = list(p.stat())
out["uidl"] = [x.decode() for x in p.uidl()[1]]
out["top"] = [x.decode() for x in p.top(2, 0)[1]]
resp, lines, octets = p.retr(2)
out["retr_resp"] = resp.decode()
out["retr"] = [x.decode() for x in lines]
out["retr_octets"] = octets
p.dele(1)
out["after_dele"] = list(p.stat())
p.rset()
out["after_rset"] = list(p.stat())
p.dele(3)
out["quit"] = p.quit().decode()
p = poplib.POP3(host, port, timeout=10)
p.apop("alice@test.example", "secret")
out["apop_stat"] = list(p.stat())
out["apop_uidl"] = [x.decode() for x in p.uidl()[1]]
p.quit()
print(json.dumps(out))
`

func TestPythonPoplib(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "poplib")
	e := startServer(t)
	host, port := hostPort(t, e.addr)
	out := run(t, e.dir, nil, py, "-c", poplibScript, host, port)
	var got struct {
		Welcome    string   `json:"welcome"`
		Capa       []string `json:"capa"`
		Stat       []int    `json:"stat"`
		UIDL       []string `json:"uidl"`
		Top        []string `json:"top"`
		RetrResp   string   `json:"retr_resp"`
		Retr       []string `json:"retr"`
		RetrOctets int      `json:"retr_octets"`
		AfterDele  []int    `json:"after_dele"`
		AfterRset  []int    `json:"after_rset"`
		Quit       string   `json:"quit"`
		APOPStat   []int    `json:"apop_stat"`
		APOPUIDL   []string `json:"apop_uidl"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	check := func(what string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("%s wrong; poplib saw:\n%s", what, out)
		}
	}
	check("welcome", timestampRE.MatchString(got.Welcome))
	check("capa", slices.Contains(got.Capa, "UIDL") && slices.Contains(got.Capa, "TOP") && slices.Contains(got.Capa, "SASL"))
	check("stat", slices.Equal(got.Stat, []int{3, 143}))
	check("uidl", slices.Equal(got.UIDL, []string{"1 2024010112000000000001", "2 2024010112000000000002", "3 2024010112000000000003"}))
	check("top", slices.Equal(got.Top, []string{"Subject: dots", ""}))
	check("retr", got.RetrResp == "+OK 51 octets" && got.RetrOctets == 51 &&
		slices.Equal(got.Retr, []string{"Subject: dots", "", ".leading dot", "..two dots", ".", "end"}))
	check("dele", slices.Equal(got.AfterDele, []int{2, 88}))
	check("rset", slices.Equal(got.AfterRset, []int{3, 143}))
	check("quit", strings.HasPrefix(got.Quit, "+OK bye (1 message deleted)"))
	check("apop", slices.Equal(got.APOPStat, []int{2, 106}) &&
		slices.Equal(got.APOPUIDL, []string{"1 2024010112000000000001", "2 2024010112000000000002"}))
}

// TestFetchmail runs fetchmail with UIDL tracking: a first run keeps the
// messages on the server, a second finds nothing new, a third fetches only a
// new message and deletes it, and a last run fetches and deletes the rest.
func TestFetchmail(t *testing.T) {
	t.Parallel()
	fetchmail := testutil.Program(t, "fetchmail")
	e := startServer(t)
	host, port := hostPort(t, e.addr)
	home := t.TempDir()
	out := filepath.Join(home, "delivered.txt")
	rc := filepath.Join(home, ".fetchmailrc")
	// The MDA appends each message and a marker line to one file.
	conf := fmt.Sprintf("set no syslog\n"+
		"poll %s service %s protocol pop3 uidl auth password timeout 20\n"+
		"  user %q password %q is nobody here sslproto ''\n"+
		"  mda \"/bin/sh -c 'cat >> %s; echo ==END== >> %s'\"\n",
		host, port, alice, alicePW, out, out)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "FETCHMAILHOME=" + home}
	fetch := func(args ...string) {
		t.Helper()
		cmd := exec.Command(fetchmail, append([]string{"-f", rc, "--idfile", filepath.Join(home, "ids"), "--nosyslog"}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		cmdOut, err := cmd.CombinedOutput()
		// Exit code 1 means "no mail", which the second run expects.
		if ee, isExit := err.(*exec.ExitError); err != nil && !(isExit && ee.ExitCode() == 1) {
			t.Fatalf("fetchmail %v: %v\n%s", args, err, cmdOut)
		}
	}
	delivered := func() int {
		data, _ := os.ReadFile(out)
		return strings.Count(string(data), "==END==")
	}

	fetch("--keep")
	if n, left := delivered(), len(e.mailboxFiles(t, alice)); n != 3 || left != 3 {
		t.Fatalf("first run (keep): %d delivered, %d left on the server; want 3 and 3", n, left)
	}
	fetch("--keep")
	if n := delivered(); n != 3 {
		t.Fatalf("second run (keep, nothing new): %d delivered in all, want 3", n)
	}
	e.deliver(t, alice, "2024010112000000000004", "Subject: four\r\n\r\nfourth\r\n")
	fetch("--nokeep")
	if n, left := delivered(), len(e.mailboxFiles(t, alice)); n != 4 || left != 3 {
		t.Fatalf("third run (new message, delete): %d delivered, %d left; want 4 and 3", n, left)
	}
	fetch("--nokeep", "--all")
	if n, left := delivered(), len(e.mailboxFiles(t, alice)); n != 7 || left != 0 {
		t.Fatalf("last run (all, delete): %d delivered, %d left; want 7 and 0", n, left)
	}
	data, _ := os.ReadFile(out)
	for _, want := range []string{"Hello Alice.", "..two dots", "line two", "fourth"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("delivered mail lacks %q:\n%s", want, data)
		}
	}
}

// TestCurl reads a listing and messages with curl's pop3:// support, which
// logs in with the strongest SASL mechanism offered (CRAM-MD5), and with
// PLAIN, LOGIN or APOP when asked to.
func TestCurl(t *testing.T) {
	t.Parallel()
	curl := testutil.Program(t, "curl")
	e := startServer(t)
	url := "pop3://" + e.addr
	list := run(t, e.dir, nil, curl, "-sS", "--max-time", "20", "-u", alice+":"+alicePW, url+"/")
	if list != "1 55\r\n2 51\r\n3 37\r\n" {
		t.Fatalf("curl listing %q", list)
	}
	msg := run(t, e.dir, nil, curl, "-sS", "--max-time", "20", "-u", alice+":"+alicePW, url+"/2")
	if msg != "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n" {
		t.Fatalf("curl message 2 %q", msg)
	}
	apop := run(t, e.dir, nil, curl, "-sS", "--max-time", "20", "--login-options", "AUTH=+APOP",
		"-u", alice+":"+alicePW, url+"/3")
	if apop != "Subject: bare\r\n\r\nline one\r\nline two\r\n" {
		t.Fatalf("curl (APOP) message 3 %q", apop)
	}
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		got := run(t, e.dir, nil, curl, "-sS", "--max-time", "20", "--login-options", "AUTH="+mech,
			"-u", alice+":"+alicePW, url+"/3")
		if got != apop {
			t.Fatalf("curl (AUTH %s) message 3 %q", mech, got)
		}
	}
	for _, m := range []string{"(AUTH CRAM-MD5)", "(AUTH PLAIN)", "(AUTH LOGIN)", "(APOP)"} {
		if !strings.Contains(e.log.String(), m) {
			t.Fatalf("curl did not log in with %s:\n%s", m, e.log)
		}
	}
}

// TestMpop fetches with mpop using AUTH PLAIN: once keeping the messages
// (UIDLs recorded), then deleting them.
func TestMpop(t *testing.T) {
	t.Parallel()
	mpop := testutil.Program(t, "mpop")
	e := startServer(t)
	host, port := hostPort(t, e.addr)
	dir := t.TempDir()
	mbox := filepath.Join(dir, "mbox")
	conf := filepath.Join(dir, "mpoprc")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("account default\nhost %s\nport %s\n"+
		"user %s\npassword %s\nauth plain\ntls off\ntimeout 20\n"+
		"uidls_file %s\ndelivery mbox %s\n",
		host, port, alice, alicePW, filepath.Join(dir, "uidls"), mbox)), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, mpop, "-C", conf, "--keep=on", "-q")
	data, _ := os.ReadFile(mbox)
	if n := strings.Count(string(data), "\nFrom "); n+boolInt(strings.HasPrefix(string(data), "From ")) != 3 {
		t.Fatalf("mbox after the first run:\n%s", data)
	}
	if left := len(e.mailboxFiles(t, alice)); left != 3 {
		t.Fatalf("%d messages left after keep, want 3", left)
	}
	run(t, dir, nil, mpop, "-C", conf, "--keep=off", "--only-new=off", "-q")
	if left := len(e.mailboxFiles(t, alice)); left != 0 {
		t.Fatalf("%d messages left after delete, want 0", left)
	}
	if !strings.Contains(e.log.String(), "(AUTH PLAIN)") {
		t.Fatalf("mpop did not use AUTH PLAIN:\n%s", e.log)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
