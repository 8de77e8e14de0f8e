package accounts

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Helper-process mode: the test binary adds helperCount accounts
// <prefix>-<n>@example.org with password "pw-<prefix>-<n>".
const (
	helperEnv   = "MAILQ_ACCOUNTS_HELPER" // "<ini>|<key>|<prefix>"
	helperCount = 3
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		parts := strings.Split(spec, "|")
		o := Options{INI: parts[0], Key: parts[1], Template: []byte(template)}
		for i := range helperCount {
			name := fmt.Sprintf("%s-%d", parts[2], i)
			if err := Add(o, name+"@example.org", "pw-"+name); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const template = "; mailq.ini created by /ADDUSER\n[Config]\nHostName=\n"

// newTree returns options for a fresh folder; ini, when not empty, is
// written as mailq.ini.
func newTree(t *testing.T, ini string) Options {
	t.Helper()
	dir := t.TempDir()
	o := Options{INI: filepath.Join(dir, "mailq.ini"), Key: filepath.Join(dir, "mailq.key"), Template: []byte(template)}
	if ini != "" {
		if err := os.WriteFile(o.INI, []byte(ini), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func mustAdd(t *testing.T, o Options, addr, pw string) {
	t.Helper()
	if err := Add(o, addr, pw); err != nil {
		t.Fatalf("Add(%s): %v", addr, err)
	}
}

func mustOpen(t *testing.T, o Options) *Store {
	t.Helper()
	st, err := Open(o.INI, o.Key)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// readOrNil returns a file's bytes, or nil if it does not exist.
func readOrNil(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return b
}

// commandCase is one command run on a prepared folder.
type commandCase struct {
	name  string
	ini   string                        // initial mailq.ini, "" for none
	setup func(t *testing.T, o Options) // optional
	run   func(o Options) error
	want  error                                    // nil for success
	check func(t *testing.T, o Options, st *Store) // after success, optional
}

func commandCases() []commandCase {
	legacy := "[Users]\nold@example.org=QnGaqccUw0a34QJxR8Kl1VGCxTTHIuVRtUFA8fXlZwSF0wLV0sWR1\n"
	addA := func(t *testing.T, o Options) { mustAdd(t, o, "a@example.org", "pw-a") }
	dropKey := func(t *testing.T, o Options) {
		addA(t, o)
		if err := os.Remove(o.Key); err != nil {
			t.Fatal(err)
		}
	}
	loginOK := func(addr, pw string) func(*testing.T, Options, *Store) {
		return func(t *testing.T, _ Options, st *Store) {
			if err := st.CheckPassword(addr, pw); err != nil {
				t.Errorf("CheckPassword(%s): %v", addr, err)
			}
		}
	}
	return []commandCase{
		{name: "add to missing ini", run: func(o Options) error { return Add(o, "Admin@Example.org", "s3cret") },
			check: func(t *testing.T, o Options, st *Store) {
				loginOK("admin@example.org", "s3cret")(t, o, st)
				if b := readOrNil(t, o.INI); !bytes.HasPrefix(b, []byte(template)) ||
					!bytes.Contains(b, []byte("\n[Users]\nadmin@example.org=v1:")) {
					t.Errorf("new mailq.ini:\n%s", b)
				}
				if fi, err := os.Stat(o.Key); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
					t.Errorf("key file: %v, %v", fi, err)
				}
			}},
		{name: "add second", setup: addA, run: func(o Options) error { return Add(o, "b@example.org", "pw-b") },
			check: func(t *testing.T, o Options, st *Store) {
				loginOK("a@example.org", "pw-a")(t, o, st)
				loginOK("b@example.org", "pw-b")(t, o, st)
			}},
		{name: "add beside legacy", ini: legacy, run: func(o Options) error { return Add(o, "new@example.org", "x") },
			check: loginOK("new@example.org", "x")},
		{name: "add duplicate", setup: addA, run: func(o Options) error { return Add(o, "A@EXAMPLE.ORG", "x") }, want: ErrExists},
		{name: "add bad address", run: func(o Options) error { return Add(o, "no-at-sign", "x") }, want: ErrAddress},
		{name: "add unsafe address", run: func(o Options) error { return Add(o, "con.a@x.org", "x") }, want: ErrAddress},
		{name: "add empty password", run: func(o Options) error { return Add(o, "a@example.org", "") }, want: ErrNewPassword},
		{name: "add password with LF", run: func(o Options) error { return Add(o, "a@example.org", "a\nb") }, want: ErrNewPassword},
		{name: "add long password", run: func(o Options) error { return Add(o, "a@example.org", strings.Repeat("x", 249)) }, want: ErrNewPassword},
		{name: "add without key", setup: dropKey, run: func(o Options) error { return Add(o, "b@example.org", "x") }, want: ErrNoKey},
		{name: "setpass", setup: addA, run: func(o Options) error { return SetPassword(o, "A@example.org", "new") },
			check: func(t *testing.T, o Options, st *Store) {
				loginOK("a@example.org", "new")(t, o, st)
				if err := st.CheckPassword("a@example.org", "pw-a"); !errors.Is(err, ErrPassword) {
					t.Errorf("old password: %v", err)
				}
			}},
		{name: "setpass legacy", ini: legacy, run: func(o Options) error { return SetPassword(o, "old@example.org", "fresh") },
			check: loginOK("old@example.org", "fresh")},
		{name: "setpass sole account without key", setup: dropKey,
			run: func(o Options) error { return SetPassword(o, "a@example.org", "again") }, check: loginOK("a@example.org", "again")},
		{name: "setpass unknown", setup: addA, run: func(o Options) error { return SetPassword(o, "b@example.org", "x") }, want: ErrUnknown},
		{name: "setpass no ini", run: func(o Options) error { return SetPassword(o, "b@example.org", "x") }, want: ErrUnknown},
		{name: "setpass empty", setup: addA, run: func(o Options) error { return SetPassword(o, "a@example.org", "") }, want: ErrNewPassword},
		{name: "setpass without key", setup: func(t *testing.T, o Options) {
			mustAdd(t, o, "b@example.org", "pw-b")
			dropKey(t, o)
		}, run: func(o Options) error { return SetPassword(o, "a@example.org", "x") }, want: ErrNoKey},
		{name: "delete", setup: addA, run: func(o Options) error { return Delete(o, "A@Example.org") },
			check: func(t *testing.T, o Options, st *Store) {
				if st.Exists("a@example.org") || len(st.Users()) != 0 {
					t.Errorf("still there: %v", st.Users())
				}
			}},
		{name: "delete removes lock", setup: func(t *testing.T, o Options) {
			addA(t, o)
			if err := mustOpen(t, o).Lock("a@example.org"); err != nil {
				t.Fatal(err)
			}
		}, run: func(o Options) error { return Delete(o, "a@example.org") },
			check: func(t *testing.T, o Options, st *Store) {
				if b := readOrNil(t, o.INI); bytes.Contains(b, []byte("a@example.org")) {
					t.Errorf("account still named:\n%s", b)
				}
			}},
		{name: "delete unknown", setup: addA, run: func(o Options) error { return Delete(o, "b@example.org") }, want: ErrUnknown},
		{name: "delete no ini", run: func(o Options) error { return Delete(o, "b@example.org") }, want: ErrUnknown},
		{name: "unlock unknown", setup: addA, run: func(o Options) error { _, err := Unlock(o, "b@example.org"); return err }, want: ErrUnknown},
		{name: "unlock no ini", run: func(o Options) error { _, err := Unlock(o, "b@example.org"); return err }, want: ErrUnknown},
	}
}

// TestCommands runs each command on good and bad input; a refused command
// must leave mailq.ini and mailq.key byte for byte as they were.
func TestCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range commandCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newTree(t, tc.ini)
			if tc.setup != nil {
				tc.setup(t, o)
			}
			iniBefore, keyBefore := readOrNil(t, o.INI), readOrNil(t, o.Key)
			err := tc.run(o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil {
				if !bytes.Equal(readOrNil(t, o.INI), iniBefore) || !bytes.Equal(readOrNil(t, o.Key), keyBefore) {
					t.Error("a refused command changed mailq.ini or mailq.key")
				}
				return
			}
			if tc.check != nil {
				tc.check(t, o, mustOpen(t, o))
			}
		})
	}
}

// TestErrorsGuide checks that command errors name the account and the remedy.
func TestErrorsGuide(t *testing.T) {
	t.Parallel()
	o := newTree(t, "")
	mustAdd(t, o, "a@example.org", "pw")
	for _, c := range []struct {
		err  error
		want []string
	}{
		{Add(o, "a@example.org", "pw"), []string{"a@example.org", "/SETPASS"}},
		{Delete(o, "zz@example.org"), []string{"zz@example.org", "/ADDUSER"}},
		{Add(o, "b@example.org", ""), []string{"b@example.org", "needs a password"}},
	} {
		for _, w := range c.want {
			if c.err == nil || !strings.Contains(c.err.Error(), w) {
				t.Errorf("error %v lacks %q", c.err, w)
			}
		}
	}
}

func TestUnlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		locked  string // the [Pop-Locked] section's body
		wasLock bool
		changes bool
	}{
		{"locked", "a@example.org=True\n", true, true},
		{"locked other case", "A@Example.ORG=yes\n", true, true},
		{"set to false", "a@example.org=False\n", false, true},
		{"not listed", "b@example.org=True\n", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newTree(t, "")
			mustAdd(t, o, "a@example.org", "pw")
			b, _ := os.ReadFile(o.INI)
			b = append(b, "[Pop-Locked]\n"+tc.locked...)
			if err := os.WriteFile(o.INI, b, 0o644); err != nil {
				t.Fatal(err)
			}
			was, err := Unlock(o, "a@example.org")
			if err != nil || was != tc.wasLock {
				t.Fatalf("Unlock = %v, %v; want %v", was, err, tc.wasLock)
			}
			after, _ := os.ReadFile(o.INI)
			if changed := !bytes.Equal(after, b); changed != tc.changes {
				t.Errorf("file changed = %v, want %v:\n%s", changed, tc.changes, after)
			}
			if st := mustOpen(t, o); st.Locked("a@example.org") {
				t.Error("still locked")
			}
		})
	}
}

// TestCommentedINI checks that the commands change nothing outside [Users]
// of a hand-kept file, and keep the comments inside it.
func TestCommentedINI(t *testing.T) {
	t.Parallel()
	orig, err := os.ReadFile(filepath.Join("testdata", "commented.ini"))
	if err != nil {
		t.Fatal(err)
	}
	o := newTree(t, string(orig))
	mustAdd(t, o, "new@example.com", "pw-new")
	if err := SetPassword(o, "legacy@example.com", "pw-legacy"); err != nil {
		t.Fatal(err)
	}
	if err := Delete(o, "spaced@example.com"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(o.INI)
	head := orig[:bytes.Index(orig, []byte("[Users]"))]
	tail := orig[bytes.Index(orig, []byte("[Pop-Locked]")):]
	if !bytes.HasPrefix(got, head) || !bytes.HasSuffix(got, tail) {
		t.Fatalf("bytes outside [Users] changed:\n%q", got)
	}
	for _, keep := range []string{"; written by mailq /ADDUSER - do not edit\r\n", "\r\n; locked accounts follow\r\n"} {
		if !bytes.Contains(got, []byte(keep)) {
			t.Errorf("lost %q", keep)
		}
	}
	if !bytes.Contains(got, []byte("\r\nLegacy@Example.com=v1:")) || !bytes.Contains(got, []byte("\r\nnew@example.com=v1:")) {
		t.Errorf("[Users] not as expected:\n%s", got)
	}
	st := mustOpen(t, o)
	for addr, pw := range map[string]string{"new@example.com": "pw-new", "legacy@example.com": "pw-legacy"} {
		if err := st.CheckPassword(addr, pw); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

func TestConcurrentAdds(t *testing.T) {
	t.Parallel()
	t.Run("goroutines", func(t *testing.T) {
		t.Parallel()
		o := newTree(t, "")
		var wg sync.WaitGroup
		want := map[string]string{}
		for i := range 20 {
			addr, pw := fmt.Sprintf("g%d@example.org", i), fmt.Sprint("pw-", i)
			want[addr] = pw
			wg.Go(func() {
				if err := Add(o, addr, pw); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		checkLogins(t, o, want)
	})
	t.Run("processes", func(t *testing.T) {
		t.Parallel()
		o := newTree(t, "")
		want := map[string]string{}
		var cmds []*exec.Cmd
		for p := range 5 {
			prefix := fmt.Sprint("p", p)
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), helperEnv+"="+o.INI+"|"+o.Key+"|"+prefix)
			if os.Getenv("GORACE") == "" {
				cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, cmd)
			for i := range helperCount {
				name := fmt.Sprintf("%s-%d", prefix, i)
				want[name+"@example.org"] = "pw-" + name
			}
		}
		for _, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("helper: %v", err)
			}
		}
		checkLogins(t, o, want)
	})
}

func checkLogins(t *testing.T, o Options, want map[string]string) {
	t.Helper()
	st := mustOpen(t, o)
	if n := len(st.Users()); n != len(want) {
		t.Errorf("%d accounts, want %d", n, len(want))
	}
	for addr, pw := range want {
		if err := st.CheckPassword(addr, pw); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

func TestKeyCreationRace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "mailq.key")
	const n = 20
	keys := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := loadKey(path, 0)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i := range keys {
		if !bytes.Equal(keys[i], keys[0]) || len(keys[i]) != keySize {
			t.Fatalf("caller %d got key %x, caller 0 got %x", i, keys[i], keys[0])
		}
	}
	names, _ := os.ReadDir(filepath.Dir(path))
	if len(names) != 1 {
		t.Errorf("folder holds %v", names)
	}
}
