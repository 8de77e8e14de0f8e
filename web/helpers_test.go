package web

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/accounts"
	"mailq/config"
	"mailq/logs"
	"mailq/queue"
)

const (
	admin   = "admin@localhost"
	alice   = "alice@localhost"
	bob     = "bob@localhost"
	adminPW = "admin-secret"
	alicePW = "alice-secret"
	bobPW   = "bob-secret"
)

// env is a tree with three accounts (admin in WebAdmins, alice, bob) and a
// web server on it.
type env struct {
	tree   *queue.Tree
	users  *accounts.Store
	opt    Options
	srv    *Server
	url    string // http://127.0.0.1:port
	remote string // the same server, seen from 192.0.2.10 (a non-loopback client)
	log    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv builds the tree and accounts; mods change the options; the
// server is started on two listeners, one that reports a loopback client
// and one that reports 192.0.2.10.
func newEnv(t testing.TB, mods ...func(*Options)) *env {
	t.Helper()
	dir := t.TempDir()
	p := config.DefaultPaths(dir)
	tree, err := queue.Open(queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry,
		Sent: p.Sent, Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	acct := accounts.Options{INI: filepath.Join(dir, "mailq.ini"), Key: p.KeyFile}
	for _, a := range []struct{ addr, pw string }{{admin, adminPW}, {alice, alicePW}, {bob, bobPW}} {
		if err := accounts.Add(acct, a.addr, a.pw); err != nil {
			t.Fatal(err)
		}
	}
	users, err := accounts.Open(acct.INI, acct.Key)
	if err != nil {
		t.Fatal(err)
	}
	buf := &syncBuffer{}
	log, err := logs.New(logs.Options{Console: buf, Level: logs.Debug, Debug: true})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{tree: tree, users: users, log: buf, opt: Options{
		Tree: tree, Users: users, Log: log, Admins: []string{admin}, Poll: 20 * time.Millisecond, Version: "test",
	}}
	for _, m := range mods {
		m(&e.opt)
	}
	e.srv, err = New(e.opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = e.srv.Serve(ctx, ln) })
	wg.Go(func() {
		_ = e.srv.Serve(ctx, fromListener{rln, &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 40000}})
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	e.url = "http://" + ln.Addr().String()
	e.remote = "http://" + rln.Addr().String()
	return e
}

// fromListener accepts connections that report from as their remote
// address, so the server treats them as coming from that client.
type fromListener struct {
	net.Listener
	from net.Addr
}

func (l fromListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return fromConn{c, l.from}, nil
}

type fromConn struct {
	net.Conn
	remote net.Addr
}

func (c fromConn) RemoteAddr() net.Addr { return c.remote }

// deliver puts a message into addr's mailbox (unknown: under unknown/)
// and returns its id.
func (e *env) deliver(t testing.TB, addr string, unknown bool, content string) queue.ID {
	t.Helper()
	id := queue.NewID(time.Now())
	if _, err := e.tree.Deliver(addr, unknown, id, nil, strings.NewReader(strings.ReplaceAll(content, "\n", "\r\n"))); err != nil {
		t.Fatal(err)
	}
	return id
}

// client is an HTTP client with a cookie jar that does not follow
// redirects.
func client(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// do sends a request and returns the status and body.
func do(t testing.TB, c *http.Client, method, url string, body io.Reader, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c == nil {
		c = client(t)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// getJSON GETs url and decodes the answer into v, checking the status.
func getJSON(t testing.TB, c *http.Client, url string, want int, v any, header ...string) {
	t.Helper()
	status, body, _ := do(t, c, "GET", url, nil, header...)
	if status != want {
		t.Fatalf("GET %s: %d %s; want %d", url, status, body, want)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, body)
		}
	}
}

// plainMessage is a simple text message.
func plainMessage(from, to, subject, body string) string {
	return "From: " + from + "\nTo: " + to + "\nSubject: " + subject + "\nDate: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <" + subject + "@test>\n\n" + body + "\n"
}

// richMessage has a text part, an HTML part with a script and a remote
// image, and an attachment.
func richMessage(from, to, subject string) string {
	return "From: " + from + "\nTo: " + to + "\nSubject: " + subject + "\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n" +
		"--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\n" +
		"--inner\nContent-Type: text/plain; charset=utf-8\n\nHello in text, caf\xc3\xa9.\n" +
		"--inner\nContent-Type: text/html; charset=utf-8\n\n" +
		"<html><body><h1 id=\"greeting\">Hello in HTML</h1>" +
		"<script>document.title='PWNED'; fetch('/pwned');</script>" +
		"<img src=\"http://127.0.0.1:1/remote.png\" alt=\"remote\">" +
		"<img src=\"x\" onerror=\"parent.document.title='PWNED2'\"></body></html>\n" +
		"--inner--\n" +
		"--outer\nContent-Type: application/pdf; name=\"report.pdf\"\nContent-Disposition: attachment; filename=\"report.pdf\"\n" +
		"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago=\n" +
		"--outer--\n"
}
