package smtp

import (
	"io"
	"strings"
	"sync"
	"testing"

	"mailq/config"
	"mailq/queue"
)

// captureDirective reads the transcripts' capture-mode switches.
func captureDirective(k, v string) (func(*Options), bool) {
	b := v == "true"
	switch k {
	case "capture":
		return func(o *Options) { o.Capture.On = b }, true
	case "capture-auth":
		return func(o *Options) { o.Capture.Auth = b }, true
	case "capture-mailbox":
		return func(o *Options) { o.Capture.Mailbox = v }, true
	case "capture-fold":
		return func(o *Options) { o.Capture.PlusFold = b }, true
	}
	return nil, false
}

// TestCaptureDirectFiling checks direct filing: a one-recipient message is
// committed straight into its (folded) mailbox before the 250, with the
// fields the MDA writes on a copy (Return-Path, Delivered-To, X-Original-To
// first), and reported once; a message for two recipients takes the
// incoming queue as always.
func TestCaptureDirectFiling(t *testing.T) {
	t.Parallel()
	type filed struct {
		box  string
		id   queue.ID
		size int64
	}
	var mu sync.Mutex
	var got []filed
	ts := startServer(t, func(o *Options) {
		o.Capture = config.Capture{On: true, PlusFold: true}
		o.CaptureFiled = func(box string, id queue.ID, size int64) {
			mu.Lock()
			got = append(got, filed{box, id, size})
			mu.Unlock()
		}
	})
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	r := c.send("app@sender.example", []string{"Dev+Tag@Far.example"}, "Subject: direct\r\n\r\nbody\r\n.\r\n")
	if !strings.HasPrefix(r, "250 ") {
		t.Fatalf("end of data: %q", r)
	}
	mu.Lock()
	if len(got) != 1 || got[0].box != "dev@far.example" {
		t.Fatalf("filed %+v", got)
	}
	f := got[0]
	mu.Unlock()
	if !strings.Contains(r, string(f.id)) {
		t.Errorf("reply %q does not name %s", r, f.id)
	}
	mb, err := ts.tree.Mailbox("dev@far.example")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := mb.Open(f.id)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rd)
	rd.Close()
	want := "Return-Path: <app@sender.example>\r\nDelivered-To: dev@far.example\r\nX-Original-To: Dev+Tag@Far.example\r\nReceived: from client.example"
	if !strings.HasPrefix(string(data), want) || !strings.Contains(string(data), "Subject: direct\r\n") || !strings.HasSuffix(string(data), "\r\n\r\nbody\r\n") {
		t.Errorf("filed copy:\n%s", data)
	}
	if int64(len(data)) != f.size {
		t.Errorf("reported size %d, file %d", f.size, len(data))
	}
	if ids := ts.committed(t); len(ids) != 0 {
		t.Errorf("the queue holds %v", ids)
	}

	r = c.send("app@sender.example", []string{"a@far.example", "b@far.example"}, "Subject: two\r\n\r\nbody\r\n.\r\n")
	if !strings.HasPrefix(r, "250 ") {
		t.Fatalf("end of data: %q", r)
	}
	if ids := ts.committed(t); len(ids) != 1 {
		t.Errorf("two recipients: the queue holds %v, want one set", ids)
	}
	mu.Lock()
	if len(got) != 1 {
		t.Errorf("two recipients were filed directly: %+v", got)
	}
	mu.Unlock()
}
