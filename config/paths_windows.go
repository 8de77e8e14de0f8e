//go:build windows

package config

import (
	"path/filepath"
	"strings"
)

// nativePath accepts either separator: Go's path functions on Windows treat
// '/' and '\' alike, so only the form is normalised.
func nativePath(v string) (string, error) {
	n := strings.ReplaceAll(v, "/", `\`)
	if len(n) >= 2 && n[1] == ':' && !filepath.IsAbs(n) {
		// C:queue is relative to the current folder of drive C, which
		// depends on what ran before: never what the INI's author meant.
		return "", expected(`a full path after the drive letter (%s\..., not %s...)`, n[:2], n[:2])
	}
	return n, nil
}

// underBase makes n, a native path from the INI or a switch, absolute. A
// path rooted without a drive (\mail\queue) means that folder on the drive
// of base, as it would in cmd.exe run from there; filepath.Join would put
// it under base instead. Other relative paths are relative to base.
func underBase(base, n string) string {
	if filepath.IsAbs(n) {
		return n
	}
	if strings.HasPrefix(n, `\`) && filepath.VolumeName(n) == "" {
		return filepath.VolumeName(base) + n
	}
	return filepath.Join(base, n)
}
