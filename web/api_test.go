package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailq/lockfile"
	"mailq/queue"
)

var lockfileAcquire = lockfile.Acquire

func TestAPIMailboxesAndMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deliver(t, alice, false, plainMessage("carol@example.org", alice, "first", "one"))
	id2 := e.deliver(t, alice, false, richMessage("dave@example.org", alice, "second"))
	e.deliver(t, "ghost@localhost", true, plainMessage("x@example.org", "ghost@localhost", "lost", "?"))

	var boxes struct{ Mailboxes []BoxInfo }
	getJSON(t, nil, e.url+"/api/mailboxes", 200, &boxes)
	if len(boxes.Mailboxes) != 2 || boxes.Mailboxes[0].Mailbox != alice || boxes.Mailboxes[0].Messages != 2 ||
		boxes.Mailboxes[1].Mailbox != "unknown:ghost@localhost" || !boxes.Mailboxes[1].Unknown {
		t.Fatalf("mailboxes = %+v", boxes.Mailboxes)
	}
	if boxes.Mailboxes[0].Size <= 0 {
		t.Errorf("size of alice's mailbox = %d", boxes.Mailboxes[0].Size)
	}

	var list messageList
	getJSON(t, nil, e.url+"/api/mailboxes/"+alice+"/messages", 200, &list)
	if list.Total != 2 || list.Messages[0].ID != id2 || list.Messages[0].Subject != "second" || list.Messages[1].Subject != "first" {
		t.Fatalf("list = %+v; want second, then first", list)
	}
	for _, tc := range []struct{ query, want string }{
		{"q=CAROL", "first"}, {"from=dave", "second"}, {"subject=sec", "second"}, {"to=alice&subject=first", "first"},
	} {
		getJSON(t, nil, e.url+"/api/mailboxes/"+alice+"/messages?"+tc.query, 200, &list)
		if list.Total != 1 || list.Messages[0].Subject != tc.want {
			t.Errorf("search %s = %+v; want only %q", tc.query, list.Messages, tc.want)
		}
	}
	getJSON(t, nil, e.url+"/api/mailboxes/"+alice+"/messages?limit=1&offset=1", 200, &list)
	if list.Total != 2 || len(list.Messages) != 1 || list.Messages[0].Subject != "first" {
		t.Errorf("page 2 of 1 = %+v", list)
	}

	var msg messageDetail
	getJSON(t, nil, e.url+"/api/mailboxes/"+alice+"/messages/"+string(id2), 200, &msg)
	if msg.Subject != "second" || !strings.Contains(msg.Text, "café") || !strings.Contains(msg.HTML, "Hello in HTML") {
		t.Errorf("message = subject %q, text %q, html %q", msg.Subject, msg.Text, msg.HTML)
	}
	if len(msg.Parts) != 3 || msg.Parts[2].Filename != "report.pdf" || msg.Parts[2].Type != "application/pdf" {
		t.Fatalf("parts = %+v", msg.Parts)
	}
	status, pdf, h := do(t, nil, "GET", e.url+"/api/mailboxes/"+alice+"/messages/"+string(id2)+"/parts/2", nil)
	if status != 200 || !strings.HasPrefix(pdf, "%PDF-1.4") || !strings.Contains(h.Get("Content-Disposition"), `filename=report.pdf`) {
		t.Errorf("part 2: %d %q %v", status, pdf, h)
	}
	status, raw, h := do(t, nil, "GET", e.url+"/api/mailboxes/"+alice+"/messages/"+string(id2)+"/raw", nil)
	if status != 200 || !strings.Contains(raw, "<script>") || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
		!strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("raw: %d, headers %v", status, h)
	}
	for _, u := range []string{
		"/api/mailboxes/" + alice + "/messages/20260101000000123456789",
		"/api/mailboxes/" + alice + "/messages/..%2F..%2Fetc",
		"/api/mailboxes/..%2Fmailq.ini/messages",
		"/api/mailboxes/nobody@localhost/messages",
		"/api/mailboxes/" + alice + "/messages/" + string(id2) + "/parts/9",
		"/api/nothing",
	} {
		status, body, _ := do(t, nil, "GET", e.url+u, nil)
		var er struct{ Error, Code string }
		if status != 404 || json.Unmarshal([]byte(body), &er) != nil || er.Code != "not_found" {
			t.Errorf("GET %s = %d %s; want 404 with a JSON error", u, status, body)
		}
	}
	status, body, _ := do(t, nil, "GET", e.url+"/api/mailboxes/"+alice+"/messages?limit=x", nil)
	if status != 400 || !strings.Contains(body, "bad_request") {
		t.Errorf("limit=x: %d %s; want 400", status, body)
	}
}

func TestAPIDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id1 := e.deliver(t, alice, false, plainMessage("a@example.org", alice, "one", "1"))
	e.deliver(t, alice, false, plainMessage("a@example.org", alice, "two", "2"))
	e.deliver(t, alice, false, plainMessage("a@example.org", alice, "three", "3"))
	status, body, _ := do(t, nil, "DELETE", e.url+"/api/mailboxes/"+alice+"/messages/"+string(id1), nil)
	if status != 200 {
		t.Fatalf("delete one: %d %s", status, body)
	}
	var list messageList
	getJSON(t, nil, e.url+"/api/mailboxes/"+alice+"/messages", 200, &list)
	if list.Total != 2 {
		t.Fatalf("after deleting one: %d messages", list.Total)
	}
	if status, _, _ := do(t, nil, "DELETE", e.url+"/api/mailboxes/"+alice+"/messages/"+string(id1), nil); status != 404 {
		t.Errorf("deleting it again: %d; want 404", status)
	}
	status, body, _ = do(t, nil, "DELETE", e.url+"/api/mailboxes/"+alice+"/messages", nil)
	if status != 200 || !strings.Contains(body, `"deleted": 2`) {
		t.Fatalf("delete all: %d %s", status, body)
	}
	getJSON(t, nil, e.url+"/api/mailboxes/"+alice+"/messages", 200, &list)
	if list.Total != 0 {
		t.Errorf("after deleting all: %d messages", list.Total)
	}
}

// TestAPIDeleteHonoursPOP3Lock: a mailbox held by a live POP3 session is
// not changed under it.
func TestAPIDeleteHonoursPOP3Lock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.deliver(t, alice, false, plainMessage("a@example.org", alice, "one", "1"))
	mb, err := e.tree.Mailbox(alice)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := lockfileAcquire(mb.LockPath())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	status, body, _ := do(t, nil, "DELETE", e.url+"/api/mailboxes/"+alice+"/messages/"+string(id), nil)
	if status != http.StatusConflict {
		t.Errorf("delete while locked: %d %s; want 409", status, body)
	}
	if _, _, err := mb.Stat(id); err != nil {
		t.Errorf("the message is gone: %v", err)
	}
}

func TestAPIPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	aliceMsg := e.deliver(t, alice, false, plainMessage("x@example.org", alice, "for alice", "a"))
	bobMsg := e.deliver(t, bob, false, plainMessage("x@example.org", bob, "for bob", "b"))
	e.deliver(t, "ghost@localhost", true, plainMessage("x@example.org", "ghost@localhost", "lost", "?"))
	basic := func(user, pw string) []string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(user, pw)
		return []string{"Authorization", req.Header.Get("Authorization")}
	}
	var boxes struct{ Mailboxes []BoxInfo }

	// From elsewhere, nothing without a login.
	getJSON(t, nil, e.remote+"/api/mailboxes", 401, nil)
	getJSON(t, nil, e.remote+"/api/mailboxes", 401, nil, basic(alice, "wrong")...)

	// Alice sees her own mailbox only; bob's message is "not found".
	getJSON(t, nil, e.remote+"/api/mailboxes", 200, &boxes, basic(alice, alicePW)...)
	if len(boxes.Mailboxes) != 1 || boxes.Mailboxes[0].Mailbox != alice {
		t.Errorf("alice's mailboxes = %+v", boxes.Mailboxes)
	}
	getJSON(t, nil, e.remote+"/api/mailboxes/"+alice+"/messages/"+string(aliceMsg), 200, nil, basic(alice, alicePW)...)
	for _, u := range []string{
		"/api/mailboxes/" + bob + "/messages",
		"/api/mailboxes/" + bob + "/messages/" + string(bobMsg),
		"/api/mailboxes/" + bob + "/messages/" + string(bobMsg) + "/raw",
		"/api/mailboxes/unknown:ghost@localhost/messages",
		"/api/wait?mailbox=" + bob + "&timeout=0s",
	} {
		getJSON(t, nil, e.remote+u, 404, nil, basic(alice, alicePW)...)
	}
	if status, _, _ := do(t, nil, "DELETE", e.remote+"/api/mailboxes/"+bob+"/messages/"+string(bobMsg), nil, basic(alice, alicePW)...); status != 404 {
		t.Errorf("alice deleting bob's message: %d; want 404", status)
	}
	getJSON(t, nil, e.remote+"/api/queue", 403, nil, basic(alice, alicePW)...)
	if status, _, _ := do(t, nil, "POST", e.remote+"/api/queue/retry/20260101000000123456789-1/retry", nil, basic(alice, alicePW)...); status != 403 {
		t.Errorf("alice retrying a set: %d; want 403", status)
	}

	// The administrator sees everything.
	getJSON(t, nil, e.remote+"/api/mailboxes", 200, &boxes, basic(admin, adminPW)...)
	if len(boxes.Mailboxes) != 3 {
		t.Errorf("admin's mailboxes = %+v", boxes.Mailboxes)
	}
	getJSON(t, nil, e.remote+"/api/queue", 200, nil, basic(admin, adminPW)...)
}

// TestLocalNeedsLocalName: a loopback client that names the server by
// another name (a DNS-rebinding page) is not the local administrator.
func TestLocalNeedsLocalName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		host string
		want int
	}{
		{"", 200}, {"localhost", 200}, {"127.0.0.1", 200}, {"[::1]:8025", 200},
		{"evil.example", 401}, {"evil.example:8025", 401}, {"127.0.0.1.evil.example", 401},
	} {
		req, _ := http.NewRequest("GET", e.url+"/api/me", nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Host %q: %d; want %d", tc.host, resp.StatusCode, tc.want)
		}
	}
}

func TestLoginLocal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.LoginLocal = true })
	getJSON(t, nil, e.url+"/api/me", 401, nil)
	status, _, h := do(t, nil, "GET", e.url+"/", nil)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("page without login: %d to %q; want a redirect to /login", status, h.Get("Location"))
	}
}

// TestLoginAndCSRF logs in with the form, then checks that a change needs
// the session's token and a same-origin request.
func TestLoginAndCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.deliver(t, alice, false, plainMessage("x@example.org", alice, "hi", "a"))
	c := client(t)
	form := url.Values{"user": {alice}, "password": {"wrong"}, "next": {"/"}}
	if status, _, _ := do(t, c, "POST", e.remote+"/login", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded"); status != 401 {
		t.Fatalf("wrong password: %d; want 401", status)
	}
	form.Set("password", alicePW)
	form.Set("next", "//evil.example/")
	status, _, h := do(t, c, "POST", e.remote+"/login", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if status != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("login: %d to %q; want 303 to / (never to another site)", status, h.Get("Location"))
	}
	cookie := h.Get("Set-Cookie")
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Errorf("session cookie %q; want HttpOnly and SameSite=Strict", cookie)
	}
	var me struct {
		User  string
		Admin bool
	}
	getJSON(t, c, e.remote+"/api/me", 200, &me)
	if me.User != alice || me.Admin {
		t.Errorf("me = %+v", me)
	}
	token := e.srv.csrfTokenFor(t, c, e.remote)
	del := e.remote + "/box/" + alice + "/" + string(id) + "/delete"
	formCT := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if status, _, _ := do(t, c, "POST", del, strings.NewReader(""), formCT...); status != 403 {
		t.Errorf("delete without a token: %d; want 403", status)
	}
	if status, _, _ := do(t, c, "POST", del, strings.NewReader("csrf=forged"), formCT...); status != 403 {
		t.Errorf("delete with a wrong token: %d; want 403", status)
	}
	cross := append([]string{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"}, formCT...)
	if status, _, _ := do(t, c, "POST", del, strings.NewReader("csrf="+token), cross...); status != 403 {
		t.Errorf("cross-site delete with the token: %d; want 403", status)
	}
	if _, _, err := mustMailbox(t, e, alice).Stat(id); err != nil {
		t.Fatalf("a refused delete deleted: %v", err)
	}
	if status, body, _ := do(t, c, "POST", del, strings.NewReader("csrf="+token), formCT...); status != http.StatusSeeOther {
		t.Fatalf("delete with the token: %d %s; want 303", status, body)
	}
	if _, _, err := mustMailbox(t, e, alice).Stat(id); err == nil {
		t.Errorf("the message is still there")
	}
	// A local client without a cookie (curl) needs no token, but a
	// cross-site browser request is refused all the same.
	id = e.deliver(t, alice, false, plainMessage("x@example.org", alice, "again", "a"))
	if status, _, _ := do(t, nil, "DELETE", e.url+"/api/mailboxes/"+alice+"/messages/"+string(id), nil, "Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"); status != 403 {
		t.Errorf("cross-site DELETE to the local server: %d; want 403", status)
	}
}

func mustMailbox(t testing.TB, e *env, addr string) *queue.Mailbox {
	t.Helper()
	mb, err := e.tree.ExistingMailbox(queue.MailboxRef{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

// csrfTokenFor reads the session's CSRF token from a page's form.
func (s *Server) csrfTokenFor(t testing.TB, c *http.Client, base string) string {
	t.Helper()
	_, page, _ := do(t, c, "GET", base+"/box/"+alice, nil)
	i := strings.Index(page, `name="csrf" value="`)
	if i < 0 {
		t.Fatalf("no CSRF field in the page:\n%s", page)
	}
	rest := page[i+len(`name="csrf" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestAPIWait(t *testing.T) {
	t.Parallel()
	var e *env
	var hooked atomic.Int32
	var late queue.ID
	e = newEnv(t)
	e.srv.waitHook = func() {
		// Runs when a wait is about to block: the message arrives now,
		// so the wait must be woken by the watcher.
		if hooked.Add(1) == 1 {
			late = e.deliver(t, alice, false, plainMessage("app@example.org", alice, "Your code is 1234", "code"))
		}
	}
	e.deliver(t, alice, false, plainMessage("app@example.org", alice, "Welcome", "hello"))

	// Already there: answered at once.
	var got waitMatch
	getJSON(t, nil, e.url+"/api/wait?subject=welcome&timeout=10s", 200, &got)
	if got.Subject != "Welcome" || got.Mailbox != alice {
		t.Errorf("wait for welcome = %+v", got)
	}
	// Not there yet: blocks until it arrives.
	getJSON(t, nil, e.url+"/api/wait?mailbox="+alice+"&from=app@&subject=code&timeout=30s", 200, &got)
	if got.ID != late || hooked.Load() == 0 {
		t.Errorf("wait for the code = %+v (hook ran %d times); want %s", got, hooked.Load(), late)
	}
	// Never comes: 408 after the timeout.
	var er struct{ Error, Code string }
	getJSON(t, nil, e.url+"/api/wait?subject=never&timeout=300ms", http.StatusRequestTimeout, &er)
	if er.Code != "timeout" {
		t.Errorf("timeout answer = %+v", er)
	}
	// since excludes what came before.
	since := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	getJSON(t, nil, e.url+"/api/wait?subject=welcome&timeout=200ms&since="+since, http.StatusRequestTimeout, nil)
	getJSON(t, nil, e.url+"/api/wait?since=yesterday", 400, nil)
}

// TestDamagedMessages: a message whose header or MIME structure is broken
// still opens (what can be read, and a note), never a server error.
func TestDamagedMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct{ name, content string }{
		{"header line without a colon", "this is not a header\nSubject: x\n\nbody\n"},
		{"binary garbage", "\x00\x01\x02\xff\xfe\n\n\x00"},
		{"multipart without its end", "Subject: cut\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nfirst part\n--zz\nContent-Type: text/html\n\n<p>cut"},
		{"unknown charset", "Subject: x\nContent-Type: text/plain; charset=x-klingon\n\nqapla\n"},
		{"empty", ""},
	} {
		id := e.deliver(t, alice, false, tc.content)
		for _, u := range []string{
			e.url + "/api/mailboxes/" + alice + "/messages/" + string(id),
			e.url + "/box/" + alice + "/" + string(id),
			e.url + "/box/" + alice,
		} {
			if status, body, _ := do(t, nil, "GET", u, nil); status != 200 {
				t.Errorf("%s: GET %s = %d\n%s", tc.name, u, status, body)
			}
		}
	}
}

// TestEventsPerViewer: an account's event stream tells of its own mailbox
// only; the administrator's of everything.
func TestEventsPerViewer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deliver(t, alice, false, plainMessage("x@example.org", alice, "first", "a"))
	v := &viewer{user: alice}
	own := e.srv.ownStamp(v)
	e.deliver(t, bob, false, plainMessage("x@example.org", bob, "for bob", "b"))
	if e.srv.concerns(v, &own) {
		t.Errorf("bob's new message concerns alice")
	}
	if !e.srv.concerns(&viewer{admin: true}, &own) {
		t.Errorf("bob's new message does not concern the administrator")
	}
	e.deliver(t, alice, false, plainMessage("x@example.org", alice, "second", "a"))
	if !e.srv.concerns(v, &own) {
		t.Errorf("alice's new message does not concern alice")
	}
	if e.srv.concerns(v, &own) {
		t.Errorf("the same change concerns alice twice")
	}

	// Through the stream: a change of alice's mailbox reaches her.
	req, _ := http.NewRequest("GET", e.remote+"/events", nil)
	req.SetBasicAuth(alice, alicePW)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if ev, _ := nextEvent(t, r); ev != "hello" {
		t.Fatalf("first event %q; want hello", ev)
	}
	e.deliver(t, alice, false, plainMessage("x@example.org", alice, "third", "a"))
	if ev, _ := nextEvent(t, r); ev != "change" {
		t.Errorf("after a new message: %q; want change", ev)
	}
}

// nextEvent reads the stream up to the next event and returns its name
// and data.
func nextEvent(t *testing.T, r *bufio.Reader) (string, string) {
	t.Helper()
	name := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("event stream: %v", err)
		}
		line = strings.TrimSpace(line)
		if n, ok := strings.CutPrefix(line, "event: "); ok {
			name = n
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok && name != "" {
			return name, d
		}
	}
}
