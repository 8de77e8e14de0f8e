package mxa

import (
	"errors"

	"golang.org/x/sys/windows"
)

// The Windows Sockets codes for a refused and a reset connection: Go's
// syscall.ECONNREFUSED and ECONNRESET are made-up values there that no
// error ever matches.

func isConnRefused(err error) bool { return errors.Is(err, windows.WSAECONNREFUSED) }
func isConnReset(err error) bool {
	return errors.Is(err, windows.WSAECONNRESET) || errors.Is(err, windows.WSAECONNABORTED)
}
