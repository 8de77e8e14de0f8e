package inifile

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"mailq/internal/osfile"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Helper-process mode: the test binary adds helperCount keys named
// <prefix>-<n> to [Users] of the INI at helperPath, one Edit each.
const (
	helperPathEnv   = "MAILQ_INIFILE_HELPER_PATH"
	helperPrefixEnv = "MAILQ_INIFILE_HELPER_PREFIX"
	helperCount     = 5
)

func TestMain(m *testing.M) {
	if path := os.Getenv(helperPathEnv); path != "" {
		for i := range helperCount {
			if err := addKey(path, fmt.Sprintf("%s-%d", os.Getenv(helperPrefixEnv), i)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func addKey(path, key string) error {
	return Edit(path, "Users", nil, func(es []Entry) ([]Entry, error) {
		return append(es, Entry{Key: key, Value: "v1:" + key}), nil
	})
}

// goldenEdit changes, deletes and adds one entry each.
func goldenEdit(es []Entry) ([]Entry, error) {
	var out []Entry
	for _, e := range es {
		switch strings.ToLower(e.Key) {
		case "change@example.com":
			e.Value = "v1:CHANGED"
		case "delete@example.com":
			continue
		}
		out = append(out, e)
	}
	return append(out, Entry{Key: "new@example.com", Value: "v1:NEW"}), nil
}

// outside returns the raw lines of data that are not part of section.
func outside(data []byte, section string) [][]byte {
	lines := split(data)
	in, _ := layout(lines, section)
	var out [][]byte
	for i, ln := range lines {
		if !in[i] {
			out = append(out, ln.raw)
		}
	}
	return out
}

// sameOutside checks that every line outside section is unchanged and in
// order. The only allowed differences come with a section appended at the
// end: the file's last line may gain the line end it lacked, and one blank
// line may separate the new section from the rest.
func sameOutside(orig, got []byte, section string) error {
	a, b := outside(orig, section), outside(got, section)
	if _, at := layout(split(orig), section); at < 0 && len(b) == len(a)+1 &&
		strings.TrimSpace(string(b[len(a)])) == "" {
		b = b[:len(a)]
	}
	if len(a) != len(b) {
		return fmt.Errorf("%d lines outside [%s], was %d:\n%q\n%q", len(b), section, len(a), b, a)
	}
	for i := range a {
		if bytes.Equal(a[i], b[i]) {
			continue
		}
		ended := func(eol string) []byte { return append(append([]byte{}, a[i]...), eol...) }
		last := !bytes.HasSuffix(a[i], []byte("\n"))
		if last && (bytes.Equal(b[i], ended("\n")) || bytes.Equal(b[i], ended("\r\n"))) {
			continue
		}
		return fmt.Errorf("line %q outside [%s] became %q", a[i], section, b[i])
	}
	return nil
}

func sameEntries(got []Entry, want []Entry) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d entries %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range got {
		if got[i].Key != want[i].Key || got[i].Value != want[i].Value {
			return fmt.Errorf("entry %d is %q=%q, want %q=%q", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
	return nil
}

func TestGolden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.ini"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			t.Parallel()
			orig, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "mailq.ini")
			if err := os.WriteFile(path, orig, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := Edit(path, "Users", nil, goldenEdit); err != nil {
				t.Fatalf("Edit: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".ini") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s:\n got: %q\nwant: %q", golden, got, want)
			}
			if err := sameOutside(orig, got, "Users"); err != nil {
				t.Error(err)
			}
			expect, _ := goldenEdit(Parse(orig, "Users"))
			if err := sameEntries(Parse(got, "users"), expect); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestEditRefusedLeavesFile(t *testing.T) {
	t.Parallel()
	orig, err := os.ReadFile(filepath.Join("testdata", "commented-crlf.ini"))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("refused")
	tests := []struct {
		name string
		fn   EditFunc
		want error
	}{
		{"fn error", func([]Entry) ([]Entry, error) { return nil, boom }, boom},
		{"bad key", func(es []Entry) ([]Entry, error) { return append(es, Entry{Key: "a=b"}), nil }, ErrInvalid},
		{"bad value", func(es []Entry) ([]Entry, error) { return append(es, Entry{Key: "a", Value: "x\ny"}), nil }, ErrInvalid},
		{"unchanged", func(es []Entry) ([]Entry, error) { return es, nil }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "mailq.ini")
			if err := os.WriteFile(path, orig, 0o644); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Stat(path)
			if err := Edit(path, "Users", nil, tc.fn); !errors.Is(err, tc.want) {
				t.Fatalf("Edit = %v, want %v", err, tc.want)
			}
			after, _ := os.Stat(path)
			got, _ := os.ReadFile(path)
			if !bytes.Equal(got, orig) || !os.SameFile(before, after) {
				t.Error("the file was rewritten")
			}
			names, _ := os.ReadDir(dir)
			if len(names) != 2 { // mailq.ini and mailq.ini.lock
				t.Errorf("folder holds %v", names)
			}
		})
	}
}

func TestEditCreates(t *testing.T) {
	t.Parallel()
	tmpl := []byte("; mailq.ini, created by mailq /adduser\r\n[Config]\r\nHostName=\r\n")
	for _, tc := range []struct {
		name string
		tmpl []byte
		want string
	}{
		{"template", tmpl, string(tmpl) + "\r\n[Users]\r\na@b=v\r\n"},
		{"no template", nil, "[Users]" + osfile.EOL + "a@b=v" + osfile.EOL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "mailq.ini")
			err := Edit(path, "Users", tc.tmpl, func(es []Entry) ([]Entry, error) {
				return append(es, Entry{Key: "a@b", Value: "v"}), nil
			})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != newFilePerm {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), os.FileMode(newFilePerm))
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "mailq.ini")
		err := Edit(path, "Users", tmpl, func([]Entry) ([]Entry, error) { return nil, errors.New("no") })
		if err == nil {
			t.Fatal("no error")
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a refused edit created the file: %v", err)
		}
	})
}

func TestEditKeepsModeAndLink(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes and symbolic links")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "real.ini")
	if err := os.WriteFile(real, []byte("[Users]\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(real, 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "mailq.ini")
	if err := os.Symlink("real.ini", link); err != nil {
		t.Fatal(err)
	}
	if err := addKey(link, "k"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
	}
	fi, _ := os.Stat(real)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	if got, _ := os.ReadFile(real); string(got) != "[Users]\nk=v1:k\n" {
		t.Errorf("target holds %q", got)
	}
}

func TestEditRemovesLeftovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "mailq.ini")
	left := filepath.Join(dir, ".mailq.ini.12345.tmp")
	other := filepath.Join(dir, ".other.ini.1.tmp")
	for _, p := range []string{path, left, other} {
		if err := os.WriteFile(p, []byte("[Users]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := addKey(path, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover temp file kept: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temp was removed: %v", err)
	}
}

func checkKeys(t *testing.T, path string, want []string) {
	t.Helper()
	es, err := Read(path, "Users")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range es {
		if have[e.Key] {
			t.Errorf("key %s twice", e.Key)
		}
		have[e.Key] = true
	}
	for _, k := range want {
		if !have[k] {
			t.Errorf("key %s lost", k)
		}
	}
	if len(es) != len(want) {
		t.Errorf("%d keys, want %d", len(es), len(want))
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "mailq.ini")
	const n = 20
	var wg sync.WaitGroup
	var want []string
	for i := range n {
		key := fmt.Sprintf("user%d@example.com", i)
		want = append(want, key)
		wg.Go(func() {
			if err := addKey(path, key); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	checkKeys(t, path, want)
}

func TestConcurrentProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "mailq.ini")
	if err := os.WriteFile(path, []byte("; shared\n[Users]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const procs = 6
	var cmds []*exec.Cmd
	var want []string
	for p := range procs {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), helperPathEnv+"="+path, helperPrefixEnv+"="+fmt.Sprint("p", p))
		if os.Getenv("GORACE") == "" {
			cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		for i := range helperCount {
			want = append(want, fmt.Sprintf("p%d-%d", p, i))
		}
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v", err)
		}
	}
	checkKeys(t, path, want)
}

// FuzzEdit checks that an edit of [Users] never changes a byte outside it and
// that the section then reads back as the edit function returned it.
func FuzzEdit(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.ini"))
	for _, in := range inputs {
		data, _ := os.ReadFile(in)
		f.Add(data, []byte{0, 1, 2, 1}, "new@example.com", "v1:x")
	}
	f.Add([]byte("[Users]"), []byte{}, "k", " spaced ")
	f.Add([]byte("x=1\r\n[users]\r\n[Users]\r\na=b"), []byte{2}, "", "")
	f.Fuzz(func(t *testing.T, data, ops []byte, key, value string) {
		var want []Entry
		fn := func(es []Entry) ([]Entry, error) {
			var out []Entry
			for i, e := range es {
				var op byte
				if i < len(ops) {
					op = ops[i] % 3
				}
				switch op {
				case 1:
					e.Value = value
				case 2:
					continue
				}
				out = append(out, e)
			}
			if key != "" {
				out = append(out, Entry{Key: key, Value: value})
			}
			want = out
			return out, nil
		}
		got, err := apply(data, "Users", fn)
		if errors.Is(err, ErrInvalid) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := sameOutside(data, got, "Users"); err != nil {
			t.Fatal(err)
		}
		if err := sameEntries(Parse(got, "Users"), want); err != nil {
			t.Fatalf("%v\nin:  %q\nout: %q", err, data, got)
		}
	})
}
