package mda

import (
	"errors"
	"io"
	"strings"
	"testing"

	"mailq/config"
	"mailq/queue"
)

// TestRelease files a message in capture mode, releases it, and checks the
// external set: the original sender, the one new recipient, the message
// without the fields the MDA put on top, 8BITMIME for 8-bit content; and
// the refusals, which write nothing.
func TestRelease(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(func(o *Options) { o.Capture = config.Capture{On: true, PlusFold: true} })
	id := tb.commit("app@sender.example", []string{"dev+x@far.example"}, "Subject: caf\xc3\xa9\r\n\r\nbody\r\n")
	tb.fileAll(a)

	for _, tc := range []struct {
		name string
		id   queue.ID
		to   string
		is   error
	}{
		{"unknown id", "2026010100000012345678", "dev@released.test", ErrNotCaptured},
		{"bad id", "../x", "dev@released.test", nil},
		{"bad address", id, "not an address", nil},
	} {
		if _, err := Release(tb.tree, tc.id, tc.to); err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
	if ids, _ := tb.tree.List(queue.External); len(ids) != 0 {
		t.Fatalf("a refused release wrote %v", ids)
	}

	nid, err := Release(tb.tree, id, "dev@released.test")
	if err != nil {
		t.Fatal(err)
	}
	env, err := tb.tree.Envelope(queue.External, nid)
	if err != nil {
		t.Fatal(err)
	}
	if env.From != "app@sender.example" || len(env.Recipients) != 1 || env.Recipients[0].Addr != "dev@released.test" ||
		env.Body != queue.Body8BitMIME || env.Origin != queue.OriginLocal {
		t.Errorf("envelope %+v", env)
	}
	f, err := tb.tree.Open(queue.External, nid)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(f)
	f.Close()
	for _, gone := range []string{"Return-Path:", "Delivered-To:", "X-Original-To:"} {
		if strings.Contains(string(body), gone) {
			t.Errorf("released message keeps %s:\n%s", gone, body)
		}
	}
	if !strings.Contains(string(body), "Subject: caf\xc3\xa9\r\n\r\nbody\r\n") {
		t.Errorf("released message:\n%s", body)
	}
	if got := tb.files(); !strings.Contains(strings.Join(got, " "), "users/dev@far.example/"+string(id)+".eml") {
		t.Errorf("the captured copy is gone: %v", got)
	}
}
