package smtp

import (
	"errors"

	"golang.org/x/sys/windows"
)

// temporaryAcceptOS reports the Windows Sockets errors of an Accept worth
// retrying: the POSIX codes temporaryAccept lists never come back on
// Windows, so without these a client resetting its connection before it was
// accepted, or a moment without buffers or handles, would stop the server.
func temporaryAcceptOS(err error) bool {
	for _, e := range []windows.Errno{windows.WSAEMFILE, windows.WSAENOBUFS, windows.WSAECONNABORTED, windows.WSAECONNRESET} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
