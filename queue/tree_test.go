package queue

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tr, err := Open(testDirs(root))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"queue", "queue/external", "queue/retry", "sent", "failed", "bad", "users", "users/unknown"} {
		if info, err := os.Stat(filepath.Join(root, p)); err != nil || !info.IsDir() {
			t.Errorf("%s not created: %v", p, err)
		}
	}
	want := []string{".", "bad", "failed", "queue", "queue/external", "queue/retry", "sent", "users", "users/unknown"}
	if got := walk(t, root); !slices.Equal(got, want) {
		t.Errorf("Open left %v; want only the folders (no probe files)", got)
	}
	if free, err := tr.FreeBytes(Incoming); err != nil || free == 0 {
		t.Errorf("FreeBytes = %d, %v", free, err)
	}
	if _, err := tr.FreeBytes(numFolders); err == nil {
		t.Error("FreeBytes of an unknown folder succeeded")
	}
	if _, err := Open(testDirs(root)); err != nil {
		t.Errorf("second Open: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		change func(root string, d *Dirs)
		want   string
	}{
		{"relative", func(_ string, d *Dirs) { d.Sent = "sent" }, "sent folder"},
		{"empty", func(_ string, d *Dirs) { d.Unknown = "" }, "unknown folder"},
		{"same as another", func(_ string, d *Dirs) { d.Retry = d.External + string(filepath.Separator) }, "same as the external folder"},
		{"a file in the way", func(root string, d *Dirs) {
			_ = os.WriteFile(filepath.Join(root, "blocker"), nil, 0o600)
			d.Failed = filepath.Join(root, "blocker", "failed")
		}, "failed folder: cannot create"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			d := testDirs(root)
			c.change(root, &d)
			if _, err := Open(d); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Open = %v; want an error naming %q", err, c.want)
			}
		})
	}
}

func TestListAndCount(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	var want []ID
	for range 5 {
		want = append(want, commitMsg(t, tr, Retry, "m\r\n"))
	}
	dir := tr.dirs[Retry]
	// Not committed sets: an .eml alone, an .auth alone (mid-move), temps,
	// bad names, a folder.
	write(t, dir, "2013100717060690338676.eml", "m", 0)
	write(t, dir, "2013100717060690338677.auth", goodAuth, 0)
	write(t, dir, "~2013100717060690338678.eml.tmp", "", 0)
	write(t, dir, "12.eml", "", 0)
	write(t, dir, "12.auth", goodAuth, 0)
	if err := os.Mkdir(filepath.Join(dir, "2013100717060690338679.auth"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "2013100717060690338679.eml", "m", 0)
	slices.SortFunc(want, compareIDs)
	got, err := tr.List(Retry)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("List = %v, %v; want %v", got, err, want)
	}
	if n, err := tr.Count(Retry); n != 5 || err != nil {
		t.Errorf("Count = %d, %v", n, err)
	}
	if _, err := tr.List(Folder(-1)); err == nil {
		t.Error("List of an unknown folder succeeded")
	}
	f, err := tr.Open(Retry, want[0])
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, id := range []ID{"2013100717060690338676", "2013100717060690338677"} {
		if _, err := tr.Open(Retry, id); err == nil {
			t.Errorf("Open of uncommitted %s succeeded", id)
		}
	}
}
