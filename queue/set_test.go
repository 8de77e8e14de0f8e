package queue

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteSet(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	orig := commitMsg(t, tr, Incoming, "Subject: x\r\n\r\nbody\r\n")
	env, err := tr.Envelope(Incoming, orig)
	if err != nil {
		t.Fatal(err)
	}
	cp := env.Clone()
	cp.ID = orig.Derive(1)
	body := func() *os.File {
		f, err := tr.Open(Incoming, orig)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	if err := tr.WriteSet(Retry, cp, body()); err != nil {
		t.Fatal(err)
	}
	got, err := tr.Envelope(Retry, cp.ID)
	if err != nil || got.Tracking != env.Tracking || got.Size != env.Size || got.ID != cp.ID {
		t.Errorf("copy's envelope = %+v, %v", got, err)
	}
	// A replay finds the copy and writes nothing.
	if err := tr.WriteSet(Retry, cp, body()); !errors.Is(err, ErrExists) {
		t.Errorf("replayed WriteSet = %v; want ErrExists", err)
	}
	if f := filesIn(t, tr.dirs[Retry]); len(f) != 2 {
		t.Errorf("retry holds %v", f)
	}
	bad := cp.Clone()
	bad.ID = "x"
	if err := tr.WriteSet(Retry, bad, strings.NewReader("")); !errors.Is(err, ErrBadID) {
		t.Errorf("WriteSet with a bad id = %v", err)
	}
}

// TestWriteSetReplacesLeftover: a crashed WriteSet leaves an uncommitted
// .eml; the replay replaces it instead of failing.
func TestWriteSetReplacesLeftover(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	env := testEnvelope()
	env.ID = "2013100717060690338676-3"
	left := filepath.Join(tr.dirs[External], emlName(env.ID))
	if err := os.WriteFile(left, []byte("torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tr.WriteSet(External, env, strings.NewReader("whole\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, left); got != "whole\r\n" {
		t.Errorf(".eml = %q", got)
	}
}

func TestUpdateEnvelope(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := commitMsg(t, tr, Incoming, "m\r\n")
	env, err := tr.Envelope(Incoming, id)
	if err != nil {
		t.Fatal(err)
	}
	env.Recipients[0].Status = StatusFailed
	env.Recipients[0].Attempts = 3
	env.Recipients[0].Result = "550 5.1.1 <admin@localhost.com>: no such user\r\n"
	env.Recipients = append(env.Recipients, Recipient{Addr: "late@x"})
	if err := tr.UpdateEnvelope(Incoming, env); err != nil {
		t.Fatal(err)
	}
	got, err := tr.Envelope(Incoming, id)
	if err != nil || got.Recipients[0] != env.Recipients[0] || got.Recipients[1].N != 2 {
		t.Errorf("Envelope after update = %+v, %v", got, err)
	}
	if f := filesIn(t, tr.dirs[Incoming]); len(f) != 2 {
		t.Errorf("queue holds %v", f)
	}
	env.ID = "2013100717060690338676"
	if err := tr.UpdateEnvelope(Incoming, env); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateEnvelope of a missing set = %v", err)
	}
}

// TestEnvelopeDefaults: a drop program's minimal .auth gets its defaults
// on first read, recorded so that they never change.
func TestEnvelopeDefaults(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := ID("2013100717060612345678")
	dir := tr.dirs[Incoming]
	msg := "Subject: dropped\r\n\r\nhello\r\n"
	if err := os.WriteFile(filepath.Join(dir, emlName(id)), []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
	auth := filepath.Join(dir, authName(id))
	if err := os.WriteFile(auth, []byte("mailq-envelope 1\nfrom s@x\nrcpt a@localhost.com\nend\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dropped := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	if err := os.Chtimes(auth, dropped, dropped); err != nil {
		t.Fatal(err)
	}
	first, err := tr.Envelope(Incoming, id)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != id || first.Tracking == "" || first.Size != int64(len(msg)) || !first.Received.Equal(dropped) {
		t.Fatalf("first read = %+v; want received %v", first, dropped)
	}
	age(t, auth, time.Minute) // copies and moves change file times; the record does not
	second, err := tr.Envelope(Incoming, id)
	if err != nil || second.Tracking != first.Tracking || !second.Received.Equal(dropped) {
		t.Errorf("second read = %+v, %v; want the first read's values", second, err)
	}
}

func TestEnvelopeErrors(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := commitMsg(t, tr, Incoming, "m\r\n")
	other := ID("2013100717060690338676")
	if _, err := tr.Envelope(Incoming, other); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing set: %v", err)
	}
	if _, err := tr.Envelope(Incoming, "../x"); !errors.Is(err, ErrBadID) {
		t.Errorf("bad id: %v", err)
	}
	if _, err := tr.Envelope(Folder(42), id); err == nil {
		t.Error("bad folder accepted")
	}
	// An id line naming another set is malformed.
	auth := filepath.Join(tr.dirs[Incoming], authName(id))
	text := strings.Replace(readFile(t, auth), "id "+string(id), "id "+string(other), 1)
	if err := os.WriteFile(auth, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Envelope(Incoming, id); !errors.Is(err, ErrMalformed) {
		t.Errorf("mismatched id line: %v", err)
	}
}

func TestRemove(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := commitMsg(t, tr, External, "m\r\n")
	for i := range 2 { // the second is a replay
		if err := tr.Remove(External, id); err != nil {
			t.Fatalf("Remove #%d: %v", i+1, err)
		}
	}
	if f := filesIn(t, tr.dirs[External]); len(f) != 0 {
		t.Errorf("left %v", f)
	}
	// A set whose .eml is missing is in the middle of a move: kept.
	id = commitMsg(t, tr, External, "m\r\n")
	if err := os.Rename(filepath.Join(tr.dirs[External], emlName(id)), filepath.Join(tr.dirs[Sent], emlName(id))); err != nil {
		t.Fatal(err)
	}
	if err := tr.Remove(External, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove of a half-moved set = %v", err)
	}
	if !exists(filepath.Join(tr.dirs[External], authName(id))) {
		t.Error("Remove took the .auth of a half-moved set")
	}
}

func TestQuarantine(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := commitMsg(t, tr, Retry, "first\r\n")
	if err := tr.Quarantine(Retry, id, "cannot parse"); err != nil {
		t.Fatal(err)
	}
	bad := tr.dirs[Bad]
	want := []string{string(id) + ".auth", string(id) + ".eml", string(id) + ".why"}
	if got := filesIn(t, bad); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("bad holds %v; want %v", got, want)
	}
	if why := readFile(t, filepath.Join(bad, string(id)+".why")); !strings.Contains(why, "reason: cannot parse") ||
		!strings.Contains(why, "folder: retry") {
		t.Errorf(".why = %q", why)
	}
	if f := filesIn(t, tr.dirs[Retry]); len(f) != 0 {
		t.Errorf("retry still holds %v", f)
	}
	// The same id again: nothing in bad/ is replaced.
	if err := os.WriteFile(filepath.Join(tr.dirs[Retry], emlName(id)), []byte("second\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tr.Quarantine(Retry, id, "again"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(bad, string(id)+".1.eml")); got != "second\r\n" {
		t.Errorf("second quarantine = %q", got)
	}
	if got := readFile(t, filepath.Join(bad, emlName(id))); got != "first\r\n" {
		t.Errorf("first quarantined message replaced by %q", got)
	}
	if err := tr.Quarantine(Retry, id, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("quarantine of nothing = %v", err)
	}
	if err := tr.Quarantine(Bad, id, "loop"); err == nil {
		t.Error("quarantine from bad succeeded")
	}
}

func TestQuarantineAcrossDevices(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	tr.forceCopy = true
	id := commitMsg(t, tr, Incoming, "m\r\n")
	if err := tr.Quarantine(Incoming, id, "test"); err != nil {
		t.Fatal(err)
	}
	if got := len(filesIn(t, tr.dirs[Bad])); got != 3 {
		t.Errorf("bad holds %d files", got)
	}
	if f := filesIn(t, tr.dirs[Incoming]); len(f) != 0 {
		t.Errorf("queue still holds %v", f)
	}
}
