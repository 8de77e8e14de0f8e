package mda

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/queue"
)

// TestNoticeClock: the failure notice is dated by the agent's clock, like
// the MXA's, not by the wall clock, and its .auth names the set it is about
// (queue format version 3), so the agent holds it until that set is filed.
func TestNoticeClock(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(func(o *Options) {
		o.MDA.RefileUnknownUsers, o.FailureBounce, o.HostName = false, true, "mx.test.example"
	})
	then := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	a.now = func() time.Time { return then }
	id := tb.commit("alice@test.example", bounceRcpts, testMessage)
	tb.fileAll(a)
	n := dsn.LocalID(id)
	msg, err := mail.ReadMessage(strings.NewReader(tb.read("queue/" + string(n) + ".eml")))
	if err != nil {
		t.Fatal(err)
	}
	date, err := msg.Header.Date()
	if err != nil || !date.Equal(then) {
		t.Errorf("notice dated %v (%v); want the agent's clock, %v", date, err, then)
	}
	env, err := tb.tree.Envelope(queue.Incoming, n)
	if err != nil {
		t.Fatal(err)
	}
	if want := (queue.NoticeOf{ID: id, Folder: queue.Incoming}); env.Notice != want {
		t.Errorf("notice field %v; want %v", env.Notice, want)
	}
}
