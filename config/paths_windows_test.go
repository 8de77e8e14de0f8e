package config

import (
	"strings"
	"testing"
)

// TestWindowsPaths: a path rooted without a drive means that folder on the
// drive of the INI's folder (before the fix, \mail\queue landed under the
// INI's folder), and a drive-relative path is refused.
func TestWindowsPaths(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ base, in, want, err string }{
		{`D:\mailq`, `.\queue`, `D:\mailq\queue`, ""},
		{`D:\mailq`, `queue/`, `D:\mailq\queue`, ""},
		{`D:\mailq`, `\mail\queue`, `D:\mail\queue`, ""},
		{`D:\mailq`, `/mail/queue`, `D:\mail\queue`, ""},
		{`D:\mailq`, `C:\mail\queue`, `C:\mail\queue`, ""},
		{`D:\mailq`, `\\server\share\queue`, `\\server\share\queue`, ""},
		{`\\server\share\mailq`, `\queue`, `\\server\share\queue`, ""},
		{`D:\mailq`, `C:queue`, "", "full path after the drive letter"},
	} {
		got, err := resolvePath(c.base, c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("resolvePath(%q, %q) = %q, %v; want an error about %q", c.base, c.in, got, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("resolvePath(%q, %q) = %q, %v; want %q", c.base, c.in, got, err, c.want)
		}
	}
}
