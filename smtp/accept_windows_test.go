package smtp

import (
	"net"
	"os"
	"testing"

	"golang.org/x/sys/windows"
)

// TestTemporaryAcceptWindows: the Windows Sockets errors of a failed accept
// are retried, not taken as the listener's end.
func TestTemporaryAcceptWindows(t *testing.T) {
	t.Parallel()
	for _, e := range []windows.Errno{windows.WSAEMFILE, windows.WSAENOBUFS, windows.WSAECONNABORTED, windows.WSAECONNRESET} {
		err := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("acceptex", e)}
		if !temporaryAccept(err) {
			t.Errorf("temporaryAccept(%v) = false", err)
		}
	}
	if temporaryAccept(&net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("acceptex", windows.WSAEINVAL)}) {
		t.Error("a closed or broken listener counted as temporary")
	}
}
