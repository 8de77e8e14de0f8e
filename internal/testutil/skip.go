package testutil

import (
	"errors"
	"io"
	"syscall"
	"testing"
)

// Unavailable ends a test that needs something this machine lacks (a
// second loopback address, a pseudo-terminal, /dev/full...): it skips, or
// fails under MAILQ_REQUIRE_CLIENTS=1, where CI has set the machine up and
// a missing piece means a test that silently stopped testing.
//
// It is for the environment only. A test whose own premise fails (a crash
// point that never happens, a fixture that does not build) must fail.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if RequireClients() {
		t.Fatalf("MAILQ_REQUIRE_CLIENTS=1: "+format, args...)
	}
	t.Skipf(format, args...)
}

// Closed reports whether err from reading a connection means the peer closed
// it: EOF, or a reset (a server that closes with unread input may send RST).
// A read time-out is not a close: a silent server must fail a test that
// expects it to hang up.
func Closed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || isReset(err)
}
