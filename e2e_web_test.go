package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// webPython sends one message with smtplib. Arguments: host, port, subject.
const webPython = `
import smtplib, sys
host, port, subject = sys.argv[1], int(sys.argv[2]), sys.argv[3]
msg = ("From: App <app@test.example>\r\nTo: Alice <alice@test.example>\r\n"
       "Subject: " + subject + "\r\n\r\nYour code is 4711.\r\n")
with smtplib.SMTP(host, port, timeout=20) as s:
    s.sendmail("app@test.example", ["alice@test.example"], msg)
`

// TestWebInstance runs the SMTP instance with its MDA and the web instance
// from one folder: a message sent with smtplib is found by the API's wait
// call (curl), whose answer names it; /STOP:WEB stops the web instance
// only, and /STOP the rest.
func TestWebInstance(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	curl := testutil.Program(t, "curl")
	dir := newTree(t, strings.Replace(testINI, "[MDA]\nEnabled=False", "[MDA]\nEnabled=True", 1))
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret-a"); code != 0 {
		t.Fatalf("/adduser: %d\n%s", code, out)
	}
	smtp := start(t, dir, "/RELAY:2")
	web := start(t, dir, "/web", "/port:0")
	if _, err := os.Stat(filepath.Join(dir, "webserver.lck")); err != nil {
		t.Fatalf("web lock file: %v", err)
	}

	// The wait call is made first and blocks; the message comes after.
	waitOut := make(chan []byte, 1)
	go func() {
		out, _ := exec.Command(curl, "-sS", "--max-time", "60",
			"http://"+web.addr+"/api/wait?to=alice@&subject=code+4711&timeout=45s").Output()
		waitOut <- out
	}()
	host, port := splitAddr(t, smtp.addr)
	if out, err := exec.Command(py, "-c", webPython, host, port, "Sign-in code 4711").CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s\nSMTP:\n%s", err, out, smtp.out())
	}
	var got struct {
		ID, Mailbox, Subject, From string
	}
	select {
	case out := <-waitOut:
		if err := json.Unmarshal(out, &got); err != nil || got.Subject != "Sign-in code 4711" || got.Mailbox != "alice@test.example" {
			t.Fatalf("wait answered %q (%v)\nweb:\n%s", out, err, web.out())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("the wait call did not answer\nweb:\n%s", web.out())
	}
	out, err := exec.Command(curl, "-sS", "http://"+web.addr+"/api/mailboxes/alice@test.example/messages/"+got.ID+"/raw").Output()
	if err != nil || !strings.Contains(string(out), "Your code is 4711.") || !strings.Contains(string(out), "Delivered-To: alice@test.example") {
		t.Errorf("raw message: %v\n%s", err, out)
	}

	code, stopOut := mailq(t, dir, "/stop:web")
	if code != 0 || !strings.Contains(stopOut, "stopping the web instance") {
		t.Fatalf("/stop:web exit %d:\n%s", code, stopOut)
	}
	if code := web.wait(15 * time.Second); code != 0 {
		t.Fatalf("web instance exit code %d:\n%s", code, web.out())
	}
	if g := greeting(t, smtp.addr); !strings.HasPrefix(g, "220 ") {
		t.Errorf("SMTP instance affected by /stop:web: %q", g)
	}
	code, stopOut = mailq(t, dir, "/stop")
	if code != 0 || !strings.Contains(stopOut, "no web instance") {
		t.Errorf("/stop exit %d:\n%s", code, stopOut)
	}
	smtp.wait(15 * time.Second)
}

// TestWebHTTPSWithCertificate: with TLSCert and TLSKey set, the web
// instance serves HTTPS with that certificate (curl checks it against the
// file itself) and no plain HTTP; with the generated self-signed one only,
// it stays plain HTTP, so the quick start's address works in a browser.
func TestWebHTTPSWithCertificate(t *testing.T) {
	t.Parallel()
	curl := testutil.Program(t, "curl")
	dir := newTree(t, "")
	plain := start(t, dir, "/web", "/port:0") // makes the self-signed pair, and keeps to HTTP
	if out, err := exec.Command(curl, "-sS", "http://"+plain.addr+"/api/me").CombinedOutput(); err != nil {
		t.Fatalf("plain HTTP without a configured certificate: %v\n%s", err, out)
	}
	if code, out := mailq(t, dir, "/stop:web"); code != 0 {
		t.Fatalf("/stop:web: %s", out)
	}
	plain.wait(15 * time.Second)

	// A certificate of our own: the self-signed pair made at that start,
	// named in mailq.ini as if it were a real one.
	crt, key := filepath.Join(dir, "tls", "selfsigned.crt"), filepath.Join(dir, "tls", "selfsigned.key")
	ini := strings.Replace(testINI, "[Config]\n", "[Config]\nTLSCert="+crt+"\nTLSKey="+key+"\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	web := start(t, dir, "/web", "/port:0")
	_, port := splitAddr(t, web.addr)
	url := "https://localhost:" + port + "/api/me"
	if out, err := exec.Command(curl, "-sS", "--cacert", crt, "--resolve", "localhost:"+port+":127.0.0.1", url).CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "{") {
		t.Fatalf("HTTPS with the configured certificate: %v\n%s\nweb:\n%s", err, out, web.out())
	}
	if out, err := exec.Command(curl, "-sS", "--max-time", "5", "http://"+web.addr+"/api/me").CombinedOutput(); err == nil && strings.Contains(string(out), "{") {
		t.Fatalf("plain HTTP answered on the HTTPS port:\n%s", out)
	}
}
