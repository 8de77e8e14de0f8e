package smtp

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"mailq/queue"
)

// TestMessageOnDisk checks a committed set: the .eml is the trace fields,
// the client's header without its Return-Path, and the body; the .auth holds
// the envelope.
func TestMessageOnDisk(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO laptop.example", "250-")
	c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=", "235 ")
	c.expect("MAIL FROM:<admin@test.example> BODY=8BITMIME", "250 ")
	c.expect("RCPT TO:<bob@test.example>", "250 ")
	c.expect("RCPT TO:<Someone@Elsewhere.example>", "250 ")
	c.expect("DATA", "354 ")
	client := "Return-Path: <forged@evil.example>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n" +
		"From: Admin <admin@test.example>\r\nTo: bob@test.example\r\nMessage-ID: <1@laptop>\r\n" +
		"Subject: report\r\n\r\n..leading dot\r\nline two\r\n"
	c.write(strings.ReplaceAll(client, "\r\n..", "\r\n...") + ".\r\n")
	r := c.reply()
	m := regexp.MustCompile(`^250 2\.0\.0 OK queued as (\d{22})$`).FindStringSubmatch(r)
	if m == nil {
		t.Fatalf("final reply %q", r)
	}
	eml, env := ts.message(t, queue.ID(m[1]))

	head := regexp.MustCompile(`^Return-Path: <admin@test\.example>\r\n` +
		`Received: from laptop\.example \(\[127\.0\.0\.1\]\)\r\n` +
		`\tby mx\.test \(mailq\) with ESMTPA id ` + m[1] + `;\r\n` +
		`\t\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n` +
		`X-GUID: ([0-9A-F-]{36})\r\n`)
	hm := head.FindStringSubmatch(eml)
	if hm == nil {
		t.Fatalf("trace fields wrong:\n%s", eml)
	}
	rest := eml[len(hm[0]):]
	if want := strings.TrimPrefix(client, "Return-Path: <forged@evil.example>\r\n"); rest != want {
		t.Fatalf("client part stored as\n%q\nwant\n%q", rest, want)
	}
	if env.ID != queue.ID(m[1]) || env.Tracking != hm[1] || env.From != adminUser || env.AuthUser != adminUser ||
		env.Helo != "laptop.example" || env.ClientIP != netip.MustParseAddr("127.0.0.1") ||
		env.Body != queue.Body8BitMIME || env.Size != int64(len(eml)) {
		t.Fatalf("envelope %+v", env)
	}
	if len(env.Recipients) != 2 || env.Recipients[0].Addr != bobUser || env.Recipients[1].Addr != "Someone@Elsewhere.example" ||
		env.Recipients[0].Status != queue.StatusPending {
		t.Fatalf("recipients %+v", env.Recipients)
	}
	if env.Received.IsZero() {
		t.Fatal("no receive time")
	}
	c.expect("QUIT", "221 ")
	ts.waitLog(t, "message "+m[1]+" from <admin@test.example> to <bob@test.example> and 1 more")
}

// TestFixHeaders sends what a telnet user types, a body without a header,
// and checks the fields FixHeaders adds (as the manual's telnet example
// shows), the empty line inserted before the body, and that without
// FixHeaders only the trace fields and the empty line are added.
func TestFixHeaders(t *testing.T) {
	t.Parallel()
	for _, fix := range []bool{true, false} {
		t.Run(fmt.Sprint(fix), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, func(o *Options) { o.Server.FixHeaders = fix })
			c, _ := dial(t, ts.addr)
			c.expect("HELO localhost", "250 ")
			if r := c.send("admin@test.example", []string{adminUser}, "This is a test message\r\n.\r\n"); !strings.HasPrefix(r, "250 ") {
				t.Fatal(r)
			}
			eml, env := ts.only(t)
			if !strings.Contains(eml, "with SMTP id ") {
				t.Fatalf("HELO session not marked SMTP:\n%s", eml)
			}
			_, after, _ := strings.Cut(eml, "X-GUID: "+env.Tracking+"\r\n")
			want := "\r\nThis is a test message\r\n"
			if fix {
				fixed := regexp.MustCompile(`^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n` +
					`Message-ID: <` + strings.ToLower(env.Tracking) + `@mx\.test>\r\n` +
					`From: admin@test\.example\r\n` +
					`To: undisclosed-recipients:;\r\n` +
					`Subject: Unspecified subject\r\n` +
					`X-Fixed-Header: mailq added Date, Message-ID, From, To, Subject\r\n`).FindString(after)
				if fixed == "" {
					t.Fatalf("fixed fields wrong:\n%s", eml)
				}
				after = after[len(fixed):]
			}
			if after != want {
				t.Fatalf("after the added fields %q, want %q", after, want)
			}
		})
	}
}

// TestSmugglingStored checks what the smuggling variants leave in the
// message: their bytes as data with CRLF line ends, never a line "." alone.
func TestSmugglingStored(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	data := "Subject: s\r\n\r\na\n.\nMAIL FROM:<evil@x.example>\r\nb\r.\rc\r\nd\n.\r\ne\r\n.\nf\r\n..\r\n.\r\n"
	if r := c.send("a@elsewhere.example", []string{adminUser}, data); !strings.HasPrefix(r, "250 ") {
		t.Fatal(r)
	}
	c.expect("NOOP", "250 ") // nothing was left over as commands
	eml, _ := ts.only(t)
	_, body, _ := strings.Cut(eml, "\r\n\r\n")
	want := "a\r\n\r\nMAIL FROM:<evil@x.example>\r\nb\r\n\r\nc\r\nd\r\n\r\ne\r\n\r\nf\r\n.\r\n"
	if body != want {
		t.Fatalf("body %q, want %q", body, want)
	}
}

// TestLargeMessage streams a message of several megabytes with long lines
// and dot-stuffing, and checks it arrives byte for byte.
func TestLargeMessage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@elsewhere.example> SIZE=6000000", "250 ")
	c.expect("RCPT TO:<admin@test.example>", "250 ")
	c.expect("DATA", "354 ")
	var body strings.Builder
	line := strings.Repeat("0123456789", 1000) // 10,000-octet lines
	for i := 0; body.Len() < 5<<20; i++ {
		if i%7 == 3 {
			body.WriteString(".dot line\r\n")
		}
		body.WriteString(line + "\r\n")
	}
	wire := strings.ReplaceAll(body.String(), "\r\n.", "\r\n..")
	go c.write("Subject: big\r\n\r\n" + wire + ".\r\n")
	if r := c.reply(); !strings.HasPrefix(r, "250 ") {
		t.Fatal(r)
	}
	eml, env := ts.only(t)
	_, stored, _ := strings.Cut(eml, "\r\n\r\n")
	if sha256.Sum256([]byte(stored)) != sha256.Sum256([]byte(body.String())) {
		t.Fatalf("stored body differs (%d bytes, want %d)", len(stored), body.Len())
	}
	if env.Size != int64(len(eml)) {
		t.Fatalf("envelope size %d, file %d", env.Size, len(eml))
	}
}

// TestDiskErrors checks DURABILITY rule 5: each failure of the queue gets
// its reply for that message only, after the final dot when it happens
// during the data; nothing half-written stays; the next message succeeds.
func TestDiskErrors(t *testing.T) {
	t.Parallel()
	nospace := &queue.FileError{Op: "write", Path: "q", Err: errNoSpace}
	cases := []struct {
		name string
		set  func(*fakeSpool)
		cmd  string // the command that fails: DATA or the final dot
		want string
	}{
		{"new draft, disk full", func(f *fakeSpool) { f.newErr = nospace }, "DATA", "452 4.3.1 "},
		{"new draft, i/o error", func(f *fakeSpool) { f.newErr = &queue.FileError{Op: "create", Path: "q", Err: syscall.EIO} }, "DATA", "451 4.3.0 "},
		{"write, disk full", func(f *fakeSpool) { f.writeErr, f.writeAt = nospace, 1000 }, ".", "452 4.3.1 "},
		{"write, file too big", func(f *fakeSpool) {
			f.writeErr, f.writeAt = &queue.FileError{Op: "write", Path: "q", Err: errTooBig}, 10
		}, ".", "552 5.3.4 "},
		{"commit, sync failed", func(f *fakeSpool) { f.commitErr = &queue.FileError{Op: "sync", Path: "q", Err: syscall.EIO} }, ".", "451 4.3.0 "},
		{"commit, quota", func(f *fakeSpool) { f.commitErr = &queue.FileError{Op: "sync", Path: "q", Err: errQuota} }, ".", "452 4.3.1 "},
	}
	body := "Subject: x\r\n\r\n" + strings.Repeat("some text for the body\r\n", 200)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSpool{}
			tc.set(f)
			ts := startServerWith(t, useSpool(f))
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250-")
			c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
			c.expect("RCPT TO:<admin@test.example>", "250 ")
			if tc.cmd == "DATA" {
				c.expect("DATA", tc.want)
			} else {
				c.expect("DATA", "354 ")
				c.write(body + ".\r\n")
				if r := c.reply(); !strings.HasPrefix(r, tc.want) {
					t.Fatalf("after the final dot %q, want %q", r, tc.want)
				}
			}
			if ids, left := ts.committed(t), ts.leftovers(t); len(ids) != 0 || len(left) != 0 {
				t.Fatalf("after the failure: committed %v, left %v", ids, left)
			}
			if r := c.send("a@elsewhere.example", []string{adminUser}, body+".\r\n"); !strings.HasPrefix(r, "250 ") {
				t.Fatalf("next message: %q", r)
			}
			if ids := ts.committed(t); len(ids) != 1 {
				t.Fatalf("committed %v", ids)
			}
		})
	}
}

// TestUnwritableQueue takes the queue folder away under a running server:
// the message gets 451 and nothing else breaks; with the folder back, mail
// flows again.
func TestUnwritableQueue(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	aside := ts.qdir + ".aside"
	if err := os.Rename(ts.qdir, aside); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ts.qdir, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<admin@test.example>", "250 ")
	c.expect("DATA", "451 4.3.0 ")
	os.Remove(ts.qdir)
	if err := os.Rename(aside, ts.qdir); err != nil {
		t.Fatal(err)
	}
	if r := c.send("a@elsewhere.example", []string{adminUser}, "Subject: x\r\n\r\n.\r\n"); !strings.HasPrefix(r, "250 ") {
		t.Fatal(r)
	}
	ts.waitLog(t, "cannot create a message file")
}

// TestCapacity checks DURABILITY rule 6 and the queue cap: MAIL is refused
// with 452 4.3.1 below the free-space floor, below 1.5 × a declared SIZE,
// and while the queue holds SMTPMaxQueued messages.
func TestCapacity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		floorMB int64
		maxQ    int
		free    uint64
		queued  int
		mail    string
		want    string
	}{
		{"below the floor", 100, 0, 99 << 20, 0, "MAIL FROM:<a@b.example>", "452 4.3.1 Insufficient system storage"},
		{"above the floor", 100, 0, 200 << 20, 0, "MAIL FROM:<a@b.example>", "250 "},
		{"floor off, no SIZE", 0, 0, 1000, 0, "MAIL FROM:<a@b.example>", "250 "}, // nothing declared: no space asked
		{"floor off, SIZE fits", 0, 0, 1000, 0, "MAIL FROM:<a@b.example> SIZE=600", "250 "},
		{"floor off, SIZE does not fit", 0, 0, 1000, 0, "MAIL FROM:<a@b.example> SIZE=700", "452 4.3.1 Insufficient system storage"},
		{"floor, 1.5 x the size limit", 10, 0, 25 << 20, 0, "MAIL FROM:<a@b.example>", "452 4.3.1 "}, // 20 MB limit
		{"queue full", 0, 5, 0, 5, "MAIL FROM:<a@b.example>", "452 4.3.1 Queue full"},
		{"queue not full", 0, 5, 0, 4, "MAIL FROM:<a@b.example>", "250 "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSpool{free: tc.free, queued: tc.queued}
			ts := startServerWith(t, func(s *Server) {
				useSpool(f)(s)
				s.cap = newCapacity(tc.floorMB, tc.maxQ)
			})
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250-")
			c.expect(tc.mail, tc.want)
		})
	}
}

// TestRealQueueCap checks the cap against the real queue's count.
func TestRealQueueCap(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.SMTP.MaxQueued = 1 })
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	if r := c.send("a@elsewhere.example", []string{adminUser}, ".\r\n"); !strings.HasPrefix(r, "250 ") {
		t.Fatal(r)
	}
	ts.srv.cap.mu.Lock()
	ts.srv.cap.at = ts.srv.cap.at.Add(-capacityTTL) // as if a second had passed
	ts.srv.cap.mu.Unlock()
	c.expect("MAIL FROM:<a@elsewhere.example>", "452 4.3.1 Queue full")
}
