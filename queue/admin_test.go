package queue

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitingCopy writes a retry copy <base>-2 whose recipient is due at next.
func waitingCopy(t *testing.T, tr *Tree, next time.Time) ID {
	t.Helper()
	id := NewID(time.Now()).Derive(2)
	env := testEnvelope("bob@example.org")
	env.ID = id
	env.Recipients[0] = Recipient{N: 2, Addr: "bob@example.org", Attempts: 1, Next: next, Result: "421 4.7.0 try later"}
	if err := tr.WriteSet(Retry, env, strings.NewReader("Subject: x\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRetryNow(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := waitingCopy(t, tr, time.Now().Add(time.Hour))
	if err := tr.RetryNow(id); err != nil {
		t.Fatal(err)
	}
	if tr.Has(Retry, id) || !tr.Has(External, id) {
		t.Fatalf("after RetryNow: in retry %v, in external %v; want only in external", tr.Has(Retry, id), tr.Has(External, id))
	}
	env, err := tr.PeekEnvelope(External, id)
	if err != nil {
		t.Fatal(err)
	}
	r := env.Recipients[0]
	if !r.Next.IsZero() || r.Status != StatusPending || r.Attempts != 1 || r.Result == "" {
		t.Errorf("recipient after RetryNow = %+v; want pending, no next time, attempts and result kept", r)
	}
	if err := tr.RetryNow(id); err != nil {
		t.Errorf("replayed RetryNow: %v; want nil", err)
	}
}

func TestRetryNowRefusesDueSets(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	for _, tc := range []struct {
		name string
		next time.Time
	}{
		{"due now", time.Time{}},
		{"due within the lead", time.Now().Add(BusyLead / 2)},
	} {
		id := waitingCopy(t, tr, tc.next)
		if err := tr.RetryNow(id); !errors.Is(err, ErrBusy) {
			t.Errorf("%s: RetryNow = %v; want ErrBusy", tc.name, err)
		}
		if err := tr.DeleteWaiting(id); !errors.Is(err, ErrBusy) {
			t.Errorf("%s: DeleteWaiting = %v; want ErrBusy", tc.name, err)
		}
		if !tr.Has(Retry, id) {
			t.Errorf("%s: the set left retry/", tc.name)
		}
	}
}

func TestRetryNowRefusesBaseSets(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	env := testEnvelope()
	env.ID = NewID(time.Now())
	env.From = "" // a staged failure notice looks like this
	if err := tr.WriteSet(Retry, env, strings.NewReader("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := tr.RetryNow(env.ID); !errors.Is(err, ErrNotWaiting) {
		t.Errorf("RetryNow of a base set = %v; want ErrNotWaiting", err)
	}
}

// TestRetryNowCrash stops RetryNow between its two durable steps: the set
// is still committed in retry/ and nowhere else, due now.
func TestRetryNowCrash(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := waitingCopy(t, tr, time.Now().Add(time.Hour))
	crashed := errors.New("crash")
	func() {
		defer func() {
			if p := recover(); p != crashed {
				panic(p)
			}
		}()
		tr.hook = func(step string) {
			if step == "retrynow:updated" {
				panic(crashed)
			}
		}
		_ = tr.RetryNow(id)
	}()
	tr.hook = nil
	if !tr.Has(Retry, id) || tr.Has(External, id) {
		t.Fatalf("after the crash: want the set still in retry/")
	}
	// The recorded envelope is due now: the MXA would run it at its start.
	// The administrator's replay finishes the move instead.
	if err := tr.RetryNow(id); !errors.Is(err, ErrBusy) {
		t.Fatalf("replay: %v; want ErrBusy (the set is due now and the MXA may take it)", err)
	}
}

func TestRequeue(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	env := testEnvelope("a@example.org", "b@example.org")
	env.ID = NewID(time.Now())
	env.Recipients[0].Status, env.Recipients[0].Result = StatusDelivered, "250 ok"
	env.Recipients[1].Status, env.Recipients[1].Result, env.Recipients[1].Attempts = StatusFailed, "550 5.1.1 no such user", 3
	if err := tr.WriteSet(Failed, env, strings.NewReader("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Requeue(env.ID); err != nil {
		t.Fatal(err)
	}
	got, err := tr.PeekEnvelope(External, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Has(Failed, env.ID) {
		t.Errorf("the set is still in failed/")
	}
	if r := got.Recipients[0]; r.Status != StatusDelivered {
		t.Errorf("delivered recipient became %v", r.Status)
	}
	if r := got.Recipients[1]; r.Status != StatusPending || !r.Next.IsZero() || r.Attempts != 3 {
		t.Errorf("failed recipient after Requeue = %+v; want pending, due now, attempts kept", r)
	}
	if err := tr.Requeue(env.ID); err != nil {
		t.Errorf("replayed Requeue: %v", err)
	}
}

func TestDeleteWaiting(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := waitingCopy(t, tr, time.Now().Add(time.Hour))
	if err := tr.DeleteWaiting(id); err != nil {
		t.Fatal(err)
	}
	if tr.Has(Retry, id) {
		t.Errorf("set still in retry/")
	}
}

func TestPeekEnvelopeWritesNothing(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := NewID(time.Now())
	dir := tr.dirs[Incoming]
	// A dropped set with only the required fields: Envelope would fill in
	// and record the rest; PeekEnvelope must not.
	auth := "mailq-envelope 1\nfrom a@example.org\nrcpt b@localhost\nend\n"
	if err := os.WriteFile(filepath.Join(dir, emlName(id)), []byte("x\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, authName(id)), []byte(auth), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.PeekEnvelope(Incoming, id); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, authName(id))); got != auth {
		t.Errorf("PeekEnvelope changed the .auth:\n%s", got)
	}
}

func TestMailboxBrowsing(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id1, id2 := NewID(time.Now()), NewID(time.Now().Add(time.Second))
	for _, d := range []struct {
		addr    string
		unknown bool
		id      ID
	}{{"alice@localhost", false, id1}, {"alice@localhost", false, id2}, {"ghost@localhost", true, id1}} {
		if _, err := tr.Deliver(d.addr, d.unknown, d.id, nil, strings.NewReader("x\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	refs, err := tr.Mailboxes()
	if err != nil {
		t.Fatal(err)
	}
	want := []MailboxRef{{Addr: "alice@localhost"}, {Addr: "ghost@localhost", Unknown: true}}
	if len(refs) != len(want) || refs[0] != want[0] || refs[1] != want[1] {
		t.Fatalf("Mailboxes = %v; want %v", refs, want)
	}
	mb, err := tr.ExistingMailbox(refs[0])
	if err != nil {
		t.Fatal(err)
	}
	ids, err := mb.IDs()
	if err != nil || len(ids) != 2 || ids[0] != id1 || ids[1] != id2 {
		t.Fatalf("IDs = %v, %v", ids, err)
	}
	if err := mb.WriteIndex(func(w io.Writer) error { _, err := io.WriteString(w, "cache"); return err }); err != nil {
		t.Fatal(err)
	}
	if refs, _ := tr.Mailboxes(); len(refs) != 2 {
		t.Errorf("the index folder shows as a mailbox: %v", refs)
	}
	if ids, _ := mb.IDs(); len(ids) != 2 {
		t.Errorf("the index file shows as a message: %v", ids)
	}
	if err := mb.DeleteAll(ids); err != nil {
		t.Fatal(err)
	}
	if ids, _ := mb.IDs(); len(ids) != 0 {
		t.Errorf("after DeleteAll: %v", ids)
	}
	if _, err := tr.ExistingMailbox(MailboxRef{Addr: "nobody@localhost"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ExistingMailbox of a missing mailbox = %v; want ErrNotFound", err)
	}
}

// TestRequeueCrash stops Requeue between recording the envelope and the
// move; the replay finishes the move, and the set is committed in one
// place at every step.
func TestRequeueCrash(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	env := testEnvelope("a@example.org")
	env.ID = NewID(time.Now())
	env.Recipients[0].Status = StatusFailed
	if err := tr.WriteSet(Failed, env, strings.NewReader("x\r\n")); err != nil {
		t.Fatal(err)
	}
	crashed := errors.New("crash")
	func() {
		defer func() {
			if p := recover(); p != crashed {
				panic(p)
			}
		}()
		tr.hook = func(step string) {
			if step == "requeue:updated" {
				panic(crashed)
			}
		}
		_ = tr.Requeue(env.ID)
	}()
	tr.hook = nil
	if !tr.Has(Failed, env.ID) || tr.Has(External, env.ID) {
		t.Fatalf("after the crash: want the set in failed/ only")
	}
	if err := tr.Requeue(env.ID); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if tr.Has(Failed, env.ID) || !tr.Has(External, env.ID) {
		t.Errorf("after the replay: want the set in external/ only")
	}
	got, err := tr.PeekEnvelope(External, env.ID)
	if err != nil || got.Recipients[0].Status != StatusPending {
		t.Errorf("requeued envelope: %+v, %v", got, err)
	}
}
