//go:build windows

package config

import "strings"

// nativePath accepts either separator: Go's path functions on Windows treat
// '/' and '\' alike, so only the form is normalised.
func nativePath(v string) (string, error) {
	return strings.ReplaceAll(v, "/", `\`), nil
}
