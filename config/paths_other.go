//go:build !windows

package config

import (
	"path/filepath"
	"strings"
)

// nativePath turns a path written for the original Windows program into one
// for this system: ".\queue\" becomes "./queue/". A drive letter or a
// Windows network path cannot mean anything here and is refused.
func nativePath(v string) (string, error) {
	if len(v) >= 2 && v[1] == ':' && (v[0]|0x20 >= 'a' && v[0]|0x20 <= 'z') {
		return "", expected("a path without a drive letter (%s is a Windows path; use a path of this system, relative to the INI's folder or absolute)", v[:2])
	}
	if strings.HasPrefix(v, `\\`) {
		return "", expected(`a path of this system (\\server\share is a Windows network path)`)
	}
	return strings.ReplaceAll(v, `\`, "/"), nil
}

// underBase makes n, a native path from the INI or a switch, absolute:
// relative paths are relative to base.
func underBase(base, n string) string {
	if filepath.IsAbs(n) {
		return n
	}
	return filepath.Join(base, n)
}
