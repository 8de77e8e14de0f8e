package config

import "path/filepath"

// absBase is an absolute folder for tests that check resolved paths: a path
// starting with \ has no drive, so it is not absolute on Windows.
const absBase = `C:\base`

// rooted is where a path written /a/b in a test's INI or switch ends up for
// a tree in base: on the drive of base.
func rooted(base, p string) string { return filepath.VolumeName(base) + filepath.FromSlash(p) }
