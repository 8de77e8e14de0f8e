package smtp

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"mailq/queue"
)

// fakeFiler is a DirectFiler that files "Dev+Tag@Test.example" into
// dev@test.example and "plain@test.example" into itself, and nothing else.
type fakeFiler struct {
	mu    sync.Mutex
	asked []string
	filed []filedDirect
}

type filedDirect struct {
	box, orig string
	id        queue.ID
	size      int64
}

func (f *fakeFiler) DirectBox(r queue.Recipient) (string, string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, r.Addr)
	switch r.Addr {
	case "Dev+Tag@Test.example":
		return "dev@test.example", r.Addr, true
	case "plain@test.example":
		return r.Addr, "", true
	}
	return "", "", false
}

func (f *fakeFiler) Filed(env *queue.Envelope, box, orig string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filed = append(f.filed, filedDirect{box, orig, env.ID, env.Size})
}

func (f *fakeFiler) state() ([]string, []filedDirect) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...), append([]filedDirect(nil), f.filed...)
}

// readFiled reads the copy of id in mailbox box.
func (ts *testServer) readFiled(t *testing.T, box string, id queue.ID) string {
	t.Helper()
	mb, err := ts.tree.Mailbox(box)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := mb.Open(id)
	if err != nil {
		t.Fatalf("%s in %s: %v", id, box, err)
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestDirectFiling checks direct filing: a one-recipient message the filer
// allows is committed straight into its mailbox before the 250, with the
// fields the MDA writes on a copy (Return-Path, Delivered-To, X-Original-To
// first), reported once with its size, and the MDA is not woken for it;
// a recipient the filer refuses, and a message for two recipients, take the
// incoming queue as always (the filer is not asked about two).
func TestDirectFiling(t *testing.T) {
	t.Parallel()
	f := &fakeFiler{}
	var mu sync.Mutex
	wakes := 0
	ts := startServer(t, func(o *Options) {
		o.Direct = f
		o.Committed = func() { mu.Lock(); wakes++; mu.Unlock() }
	})
	woken := func() int { mu.Lock(); defer mu.Unlock(); return wakes }
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")

	r := c.send("app@sender.example", []string{"Dev+Tag@Test.example"}, "Subject: direct\r\n\r\nbody\r\n.\r\n")
	if !strings.HasPrefix(r, "250 ") {
		t.Fatalf("end of data: %q", r)
	}
	_, filed := f.state()
	if len(filed) != 1 || filed[0].box != "dev@test.example" || filed[0].orig != "Dev+Tag@Test.example" {
		t.Fatalf("filed %+v", filed)
	}
	got := filed[0]
	if !strings.Contains(r, string(got.id)) {
		t.Errorf("reply %q does not name %s", r, got.id)
	}
	data := ts.readFiled(t, "dev@test.example", got.id)
	want := "Return-Path: <app@sender.example>\r\nDelivered-To: dev@test.example\r\nX-Original-To: Dev+Tag@Test.example\r\nReceived: from client.example"
	if !strings.HasPrefix(data, want) || !strings.Contains(data, "Subject: direct\r\n") || !strings.HasSuffix(data, "\r\n\r\nbody\r\n") {
		t.Errorf("filed copy:\n%s", data)
	}
	if int64(len(data)) != got.size {
		t.Errorf("reported size %d, file %d", got.size, len(data))
	}
	if ids := ts.committed(t); len(ids) != 0 {
		t.Errorf("the queue holds %v", ids)
	}
	if n := woken(); n != 0 {
		t.Errorf("the MDA was woken %d times for a message filed directly", n)
	}

	// The same address as the mailbox: no X-Original-To.
	r = c.send("app@sender.example", []string{"plain@test.example"}, "Subject: plain\r\n\r\nbody\r\n.\r\n")
	if !strings.HasPrefix(r, "250 ") {
		t.Fatalf("end of data: %q", r)
	}
	_, filed = f.state()
	if len(filed) != 2 {
		t.Fatalf("filed %+v", filed)
	}
	data = ts.readFiled(t, "plain@test.example", filed[1].id)
	if !strings.HasPrefix(data, "Return-Path: <app@sender.example>\r\nDelivered-To: plain@test.example\r\nReceived: ") {
		t.Errorf("filed copy:\n%s", data)
	}

	// Refused by the filer: the queue.
	r = c.send("app@sender.example", []string{"other@test.example"}, "Subject: queued\r\n\r\nbody\r\n.\r\n")
	if !strings.HasPrefix(r, "250 ") {
		t.Fatalf("end of data: %q", r)
	}
	ids := ts.committed(t)
	if len(ids) != 1 {
		t.Fatalf("a recipient the filer refused: the queue holds %v, want one set", ids)
	}
	if body, _ := ts.message(t, ids[0]); strings.Contains(body, "Delivered-To:") {
		t.Errorf("a queued set has the fields of a filed copy:\n%s", body)
	}
	if n := woken(); n != 1 {
		t.Errorf("the MDA was woken %d times for one queued set", n)
	}

	// Two recipients, each of which could be filed alone: the queue.
	r = c.send("app@sender.example", []string{"plain@test.example", "Dev+Tag@Test.example"}, "Subject: two\r\n\r\nbody\r\n.\r\n")
	if !strings.HasPrefix(r, "250 ") {
		t.Fatalf("end of data: %q", r)
	}
	if ids := ts.committed(t); len(ids) != 2 {
		t.Errorf("two recipients: the queue holds %v, want two sets", ids)
	}
	asked, filed := f.state()
	if len(filed) != 2 {
		t.Errorf("two recipients were filed directly: %+v", filed)
	}
	if len(asked) != 3 {
		t.Errorf("the filer was asked about %q; want the three one-recipient messages only", asked)
	}
}

// TestDirectFilingRefusedLeavesNothing: a message for a mailbox that is
// refused at its end (too big) leaves nothing in the mailbox folder, not
// even its temporary file, and is not reported as filed.
func TestDirectFilingRefusedLeavesNothing(t *testing.T) {
	t.Parallel()
	f := &fakeFiler{}
	ts := startServer(t, func(o *Options) {
		o.Direct = f
		o.SMTP.MaxMessageSize = 1000
	})
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	body := "Subject: big\r\n\r\n" + strings.Repeat("0123456789\r\n", 500) + ".\r\n"
	if r := c.send("app@sender.example", []string{"plain@test.example"}, body); !strings.HasPrefix(r, "552 ") {
		t.Fatalf("end of data: %q, want 552", r)
	}
	c.expect("NOOP", "250 ") // the session goes on
	if _, filed := f.state(); len(filed) != 0 {
		t.Errorf("a refused message was reported filed: %+v", filed)
	}
	entries, err := os.ReadDir(filepath.Join(filepath.Dir(ts.qdir), "users", "plain@test.example"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the mailbox folder: %s", e.Name())
	}
}
