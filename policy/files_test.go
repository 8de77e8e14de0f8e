package policy

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestRewriteKeepsMode: every state file the package rewrites keeps the
// permissions the administrator gave it. The failed-login file used to
// come back private (0600) after each rewrite, unlike the others: the
// copies of the atomic write disagreed on permissions.
func TestRewriteKeepsMode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no permission bits beyond read-only")
	}
	cases := []struct {
		name  string
		write func(path string, data []byte) error
	}{
		{"durable (ipblock.txt, POP-before-SMTP)", writeAtomic},
		{"unsynced (failedlogins.txt)", replaceFile},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.txt")
			if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil { // past the umask
				t.Fatal(err)
			}
			if err := c.write(path, []byte("new\n")); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o644 {
				t.Errorf("mode after rewrite %v; want -rw-r--r--", got)
			}
			if data, _ := os.ReadFile(path); string(data) != "new\n" {
				t.Errorf("file holds %q", data)
			}
		})
	}
}
