package pop3

import (
	"os"
	"path/filepath"
	"testing"
)

// sameLength replaces alice's third fixture message (bare LFs: 32 bytes on
// disk, 37 as sent) by a file of the same length whose size as sent is 34,
// so a STAT shows whether the size came from a cache (143 in all) or from
// measuring the file again (140).
func sameLength(t *testing.T, e *env) {
	t.Helper()
	p := filepath.Join(e.mailboxDir(alice), string(fixture[2].id)+".eml")
	if err := os.WriteFile(p, []byte("Subject: crlf\r\n\r\nline one, two.."), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSizeCacheSurvivesRestart: the sizes measured at a login are kept in
// the mailbox's size cache file, so the first login after a restart does
// not read every message again (a 10,000-message mailbox answers STAT at
// once, also right after a restart).
func TestSizeCacheSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	cl := dial(t, e.start(t))
	cl.login(alice, alicePW)
	cl.must("+OK", "STAT")
	cl.must("+OK", "QUIT")
	sameLength(t, e)
	restarted := openEnv(t, e.dir)
	cl = dial(t, restarted.start(t))
	cl.login(alice, alicePW)
	if got := cl.must("+OK", "STAT"); got != "+OK 3 143" {
		t.Errorf("STAT after a restart: %q, want +OK 3 143 (the sizes of the cache file)", got)
	}
}

// TestSizeCacheFileDamaged: a size cache file that is not ours, or torn,
// is ignored or read only as far as it is sound, and the messages are
// measured.
func TestSizeCacheFileDamaged(t *testing.T) {
	for name, content := range map[string]string{
		"other":  "something else\n2024010112000000000003 32 37\n",
		"torn":   "mailq-pop3-sizes 1\n2024010112000000000003 32",
		"junk":   "mailq-pop3-sizes 1\n../../x 1 2\n2024010112000000000003 -1 37\n\x00\x01\n",
		"empty":  "",
		"binary": "\xff\xfe\x00",
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			sameLength(t, e)
			idx := filepath.Join(e.dir, "users", ".index")
			if err := os.MkdirAll(idx, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(idx, alice+".sizes"), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			cl := dial(t, e.start(t))
			cl.login(alice, alicePW)
			if got := cl.must("+OK", "STAT"); got != "+OK 3 140" {
				t.Errorf("STAT: %q, want +OK 3 140 (measured)", got)
			}
		})
	}
}
