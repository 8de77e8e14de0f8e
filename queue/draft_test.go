package queue

import (
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mailq/internal/testutil"
)

func TestCommit(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	d, err := tr.NewDraft(Incoming)
	if err != nil {
		t.Fatal(err)
	}
	const msg = "Subject: hi\r\n\r\nThis is a test message\r\n"
	if _, err := io.WriteString(d, msg); err != nil {
		t.Fatal(err)
	}
	if ids, _ := tr.List(Incoming); len(ids) != 0 {
		t.Fatalf("a draft is listed before Commit: %v", ids)
	}
	env := testEnvelope("a@localhost.com", "b@example.org")
	env.Received = time.Time{}
	before := time.Now()
	if err := d.Commit(env); err != nil {
		t.Fatal(err)
	}
	if env.ID != d.ID() || env.Size != int64(len(msg)) || env.Tracking == "" ||
		env.Received.Before(before.Add(-time.Second)) || env.Recipients[1].N != 2 {
		t.Errorf("Commit filled in %+v", env)
	}
	dir := testDirs(filepath.Dir(tr.dirs[Incoming])).Incoming
	want := []string{string(d.ID()) + ".auth", string(d.ID()) + ".eml"}
	if got := filesIn(t, dir); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("queue holds %v; want %v", got, want)
	}
	if got := readFile(t, filepath.Join(dir, emlName(d.ID()))); got != msg {
		t.Errorf(".eml = %q", got)
	}
	got, err := tr.Envelope(Incoming, d.ID())
	if err != nil || got.Tracking != env.Tracking || !got.Received.Equal(env.Received) {
		t.Errorf("Envelope = %+v, %v; want %+v", got, err, env)
	}
	if ids, _ := tr.List(Incoming); len(ids) != 1 || ids[0] != d.ID() {
		t.Errorf("List = %v", ids)
	}
	if err := d.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if len(filesIn(t, dir)) != 2 {
		t.Error("Abort after Commit removed files")
	}
	if err := d.Commit(env); err == nil {
		t.Error("a second Commit succeeded")
	}
}

func TestAbort(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	d, err := tr.NewDraft(Incoming)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(d, strings.Repeat("x", 100<<10))
	for i := range 2 {
		if err := d.Abort(); err != nil {
			t.Fatalf("Abort #%d: %v", i+1, err)
		}
	}
	if f := filesIn(t, tr.dirs[Incoming]); len(f) != 0 {
		t.Errorf("Abort left %v", f)
	}
	if _, err := d.Write([]byte("x")); err == nil {
		t.Error("Write after Abort succeeded")
	}
	if err := d.Commit(testEnvelope()); err == nil {
		t.Error("Commit after Abort succeeded")
	}
}

// faultFile is a temporary file whose Write, Sync or Close fails.
type faultFile struct {
	*os.File
	write, sync, close error
}

func (f *faultFile) Write(p []byte) (int, error) {
	if f.write != nil {
		return 0, f.write
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	if f.sync != nil {
		return f.sync
	}
	return f.File.Sync()
}

func (f *faultFile) Close() error {
	err := f.File.Close()
	if f.close != nil {
		return f.close
	}
	return err
}

// faultyTree returns a tree whose temporary files named like match fail as
// fault says.
func faultyTree(t *testing.T, match string, fault faultFile) *Tree {
	tr := newTree(t)
	tr.create = func(path string) (tempFile, error) {
		f, err := createTemp(path)
		if err != nil || !strings.Contains(filepath.Base(path), match) {
			return f, err
		}
		ff := fault
		ff.File = f.(*os.File)
		return &ff, nil
	}
	return tr
}

func TestCommitErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		match     string
		fault     faultFile
		noSpace   bool
		tooBig    bool
		temporary bool
	}{
		{"write ENOSPC", ".eml.", faultFile{write: syscall.ENOSPC}, true, false, true},
		{"write EDQUOT", ".eml.", faultFile{write: syscall.EDQUOT}, true, false, true},
		{"write EFBIG", ".eml.", faultFile{write: syscall.EFBIG}, false, true, false},
		{"write EIO", ".eml.", faultFile{write: syscall.EIO}, false, false, true},
		{"sync EIO", ".eml.", faultFile{sync: syscall.EIO}, false, false, true},
		{"sync ENOSPC", ".eml.", faultFile{sync: syscall.ENOSPC}, true, false, true},
		{"close EIO", ".eml.", faultFile{close: syscall.EIO}, false, false, true},
		{"auth write ENOSPC", ".auth.", faultFile{write: syscall.ENOSPC}, true, false, true},
		{"auth sync EIO", ".auth.", faultFile{sync: syscall.EIO}, false, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if runtime.GOOS == "windows" {
				t.Skip("unix errno values")
			}
			tr := faultyTree(t, c.match, c.fault)
			d, err := tr.NewDraft(Incoming)
			if err != nil {
				t.Fatal(err)
			}
			_, werr := d.Write(make([]byte, 200<<10)) // more than the buffer
			err = d.Commit(testEnvelope())
			if werr != nil && !errors.Is(err, werr) && err.Error() != werr.Error() {
				t.Errorf("Commit = %v after Write = %v; want the same error", err, werr)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Commit = %v; want a *FileError", err)
			}
			if errors.Is(err, ErrNoSpace) != c.noSpace || errors.Is(err, ErrTooBig) != c.tooBig || fe.Temporary() != c.temporary {
				t.Errorf("Commit = %v: ErrNoSpace %v, ErrTooBig %v, Temporary %v",
					err, errors.Is(err, ErrNoSpace), errors.Is(err, ErrTooBig), fe.Temporary())
			}
			if f := filesIn(t, tr.dirs[Incoming]); len(f) != 0 {
				t.Errorf("a failed Commit left %v (DURABILITY rule 5)", f)
			}
			if err := d.Abort(); err != nil {
				t.Errorf("Abort after failure: %v", err)
			}
		})
	}
}

// TestCommitDevFull writes through the real kernel's ENOSPC: /dev/full.
func TestCommitDevFull(t *testing.T) {
	t.Parallel()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		testutil.Unavailable(t, "no /dev/full: %v", err)
	}
	full.Close()
	tr := newTree(t)
	tr.create = func(path string) (tempFile, error) {
		f, err := createTemp(path)
		if err != nil {
			return nil, err
		}
		f.Close()
		return os.OpenFile("/dev/full", os.O_WRONLY, 0)
	}
	d, err := tr.NewDraft(Incoming)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Write(make([]byte, bufSize+1))
	if !errors.Is(err, ErrNoSpace) || !errors.Is(err, errDiskFull) {
		t.Fatalf("Write to a full device = %v; want ErrNoSpace", err)
	}
	if err := d.Commit(testEnvelope()); !errors.Is(err, ErrNoSpace) {
		t.Errorf("Commit = %v; want ErrNoSpace", err)
	}
	if f := filesIn(t, tr.dirs[Incoming]); len(f) != 0 {
		t.Errorf("left %v", f)
	}
}

// TestCommitLarge streams a message much larger than the buffer.
func TestCommitLarge(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	d, err := tr.NewDraft(Incoming)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("0123456789", 7) + "\r\n")
	var want int64
	for want < 20<<20 {
		n, err := d.Write(line)
		if err != nil {
			t.Fatal(err)
		}
		want += int64(n)
	}
	env := testEnvelope()
	if err := d.Commit(env); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(tr.dirs[Incoming], emlName(d.ID())))
	if err != nil || info.Size() != want || env.Size != want {
		t.Errorf("size %v, envelope %d; want %d (%v)", info.Size(), env.Size, want, err)
	}
}

// TestNewDraftCollisions draws ids from a set of 500, so that reservations
// collide all the time, and checks that 400 concurrent commits never share
// a name (DURABILITY rule 4).
func TestNewDraftCollisions(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	tr.newID = narrowIDs(500)
	var wg sync.WaitGroup
	ids := make(chan ID, 400)
	for g := range 20 {
		wg.Go(func() {
			for i := range 20 {
				d, err := tr.NewDraft(Incoming)
				if err != nil {
					t.Error(err)
					return
				}
				fmt.Fprintf(d, "g%d i%d\r\n", g, i)
				if i%5 == 0 {
					_ = d.Abort() // frees the id for someone else
					continue
				}
				if err := d.Commit(testEnvelope()); err != nil {
					t.Error(err)
					return
				}
				ids <- d.ID()
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := make(map[ID]bool)
	for id := range ids {
		if seen[id] {
			t.Errorf("id %s committed twice", id)
		}
		seen[id] = true
	}
	listed, err := tr.List(Incoming)
	if err != nil || len(listed) != len(seen) || len(seen) != 20*16 {
		t.Errorf("listed %d, committed %d; want %d (%v)", len(listed), len(seen), 20*16, err)
	}
	if tmp := temps(t, tr.dirs[Incoming]); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// narrowIDs returns an id generator with only n possible ids.
func narrowIDs(n int) func(time.Time) ID {
	return func(time.Time) ID {
		return ID(fmt.Sprintf("20131007170606%08d", mrand.IntN(n)))
	}
}

// TestNewDraftSkipsCommitted: an id whose set was moved in after being
// drawn, or committed by a drop program, is never reused.
func TestNewDraftSkipsCommitted(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	taken := ID("2013100717060600000001")
	for _, name := range []string{emlName(taken), authName(taken)} {
		if err := os.WriteFile(filepath.Join(tr.dirs[Incoming], name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	tr.newID = func(time.Time) ID {
		n++
		if n <= 3 {
			return taken
		}
		return "2013100717060600000002"
	}
	d, err := tr.NewDraft(Incoming)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	if d.ID() == taken {
		t.Fatalf("NewDraft reused the committed id %s", taken)
	}
}
