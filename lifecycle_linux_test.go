package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mailq/internal/testutil"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		testutil.Unavailable(t, "no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

func TestESCOnConsoleStops(t *testing.T) {
	t.Parallel()
	master, slave := openPTY(t)
	dir := newTree(t, "")
	in := startNoWaitStdin(t, dir, slave)
	in.waitListening(nil)
	// Ordinary keys do nothing; ESC stops the instance.
	master.Write([]byte("hello\n"))
	// Wait until the instance has read the keys (the terminal's input queue
	// is empty), then for a whole SMTP exchange: a stop decided on those
	// keys would have closed the listener by then.
	testutil.Eventually(t, "the instance to read the console", func() bool {
		n, err := unix.IoctlGetInt(int(slave.Fd()), unix.TIOCINQ)
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
	if g := greeting(t, in.addr); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("greeting after ordinary keys: %q", g)
	}
	select {
	case <-in.done:
		t.Fatalf("instance stopped on ordinary keys:\n%s", in.out())
	default:
	}
	master.Write([]byte{0x1b})
	if code := in.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit code %d after ESC", code)
	}
	if !strings.Contains(in.out(), "ESC pressed") {
		t.Fatalf("output does not say why it stopped:\n%s", in.out())
	}
	// The terminal was restored: canonical mode and echo are back on.
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ECHO == 0 {
		t.Fatalf("terminal left in raw mode: lflag %#x", tio.Lflag)
	}
}
