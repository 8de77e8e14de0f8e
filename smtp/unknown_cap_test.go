package smtp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/config"
)

// TestUnknownCapAtRCPT: with RefileUnknownUsers on and MaxUnknownFolders
// set, unknown users are accepted while the unknown folder has room for
// their folders, and past the cap refused with 550 5.1.1 like an unknown
// user with refiling off, the reason in the log; a cap of 0 is no cap.
func TestUnknownCapAtRCPT(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cap   int
		wants []string // replies to RCPT for new1, new2, new3
	}{
		{2, []string{"250 ", "250 ", "550 5.1.1 "}},
		{0, []string{"250 ", "250 ", "250 "}},
	}
	for _, tc := range cases {
		ts := startServer(t, func(o *Options) { o.UnknownCap = tc.cap })
		c, _ := dial(t, ts.addr)
		c.expect("EHLO client.example", "250-")
		c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
		for i, want := range tc.wants {
			c.expect("RCPT TO:<new"+itoa(i+1)+"@test.example>", want)
		}
		logged := strings.Contains(ts.logs.String(), "MaxUnknownFolders")
		if refused := tc.cap > 0; logged != refused {
			t.Errorf("cap %d: the cap named in the log: %v, want %v:\n%s", tc.cap, logged, refused, ts.logs.String())
		}
	}
}

// TestUnknownFoldersRecount: a count of the unknown folder is reused while
// it is younger than foldersTTL, measured at this very instant included,
// and made again at foldersTTL or when the clock went back. Seen through
// the cap: with one folder on disk, a cap of 2 and one new name accepted,
// a second new name is refused on the reused count and allowed on a new
// one.
func TestUnknownFoldersRecount(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"same instant", t0, false},
		{"just under the TTL", t0.Add(foldersTTL - time.Nanosecond), false},
		{"the TTL", t0.Add(foldersTTL), true},
		{"clock went back", t0.Add(-time.Nanosecond), true},
	}
	for _, tc := range cases {
		o, qdir := baseOptionsDir(t)
		unknown := config.DefaultPaths(filepath.Dir(qdir)).Unknown
		if err := os.MkdirAll(filepath.Join(unknown, "old@test.example"), 0o755); err != nil {
			t.Fatal(err)
		}
		var f unknownFolders
		if ok, err := f.allow(o.Tree, "new1@test.example", 2, t0); !ok || err != nil {
			t.Fatalf("%s: the first new name: %v, %v", tc.name, ok, err)
		}
		if ok, err := f.allow(o.Tree, "new2@test.example", 2, tc.at); ok != tc.want || err != nil {
			t.Errorf("%s: the second new name: %v, %v; want %v", tc.name, ok, err, tc.want)
		}
	}
}
