package queue

import (
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testDirs lays out a tree under root as the manual does: external and retry
// inside the queue folder, unknown inside users.
func testDirs(root string) Dirs {
	return Dirs{
		Incoming: filepath.Join(root, "queue"),
		External: filepath.Join(root, "queue", "external"),
		Retry:    filepath.Join(root, "queue", "retry"),
		Sent:     filepath.Join(root, "sent"),
		Failed:   filepath.Join(root, "failed"),
		Bad:      filepath.Join(root, "bad"),
		Users:    filepath.Join(root, "users"),
		Unknown:  filepath.Join(root, "users", "unknown"),
	}
}

// newTree opens a fresh tree in a temporary folder.
func newTree(t testing.TB) *Tree {
	t.Helper()
	tr, err := Open(testDirs(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// testEnvelope returns an envelope as the SMTP server would fill it in.
func testEnvelope(rcpts ...string) *Envelope {
	if len(rcpts) == 0 {
		rcpts = []string{"admin@localhost.com"}
	}
	e := &Envelope{
		ClientIP: netip.MustParseAddr("127.0.0.1"),
		Helo:     "localhost",
		From:     "sender@example.org",
		Received: time.Date(2013, 10, 7, 17, 6, 6, 512300117, time.UTC),
	}
	for _, r := range rcpts {
		e.Recipients = append(e.Recipients, Recipient{Addr: r})
	}
	return e
}

// commitMsg commits body as a new message in f and returns its id.
func commitMsg(t testing.TB, tr *Tree, f Folder, body string) ID {
	t.Helper()
	d, err := tr.NewDraft(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(d, body); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(testEnvelope()); err != nil {
		t.Fatal(err)
	}
	return d.ID()
}

// names returns the sorted names in dir (files and folders).
func names(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// filesIn returns the regular files directly in dir, sorted.
func filesIn(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, n := range names(t, dir) {
		if info, err := os.Stat(filepath.Join(dir, n)); err == nil && info.Mode().IsRegular() {
			out = append(out, n)
		}
	}
	return out
}

// walk returns every path under root, relative to it.
func walk(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// temps returns the temporary files anywhere under root.
func temps(t testing.TB, root string) []string {
	var out []string
	for _, p := range walk(t, root) {
		if strings.HasPrefix(filepath.Base(p), tempPrefix) {
			out = append(out, p)
		}
	}
	return out
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// age sets the modification time of path to d ago.
func age(t testing.TB, path string, d time.Duration) {
	t.Helper()
	old := time.Now().Add(-d)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}
