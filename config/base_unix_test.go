//go:build !windows

package config

import "path/filepath"

// absBase is an absolute folder for tests that check resolved paths.
const absBase = "/base"

// rooted is where a path written /a/b in a test's INI or switch ends up for
// a tree in base: there.
func rooted(_, p string) string { return filepath.FromSlash(p) }
