//go:build !windows

package logs

import "os"

// installNew gives the file tmp the name path unless path exists (then an
// error matching fs.ErrExist), and removes the name tmp either way: link(2)
// refuses an existing name atomically.
func installNew(tmp, path string) error {
	defer os.Remove(tmp)
	return os.Link(tmp, path)
}
