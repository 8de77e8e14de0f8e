package testutil

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isReset: Windows Sockets report a reset with their own codes.
func isReset(err error) bool {
	return errors.Is(err, windows.WSAECONNRESET) || errors.Is(err, windows.WSAECONNABORTED)
}
