package smtp

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

// TestDataClockCountsBuffered: the bytes of the message that were already
// read ahead into the session's buffer when DATA's transfer starts (a
// pipelining client sends them with DATA) count as received, so they earn
// time at minDataRate like the bytes read later.
func TestDataClockCountsBuffered(t *testing.T) {
	t.Parallel()
	o := baseOptions(t)
	o.Server.Timeout = 2 * time.Minute
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	const before, ahead = 100, 4096
	s := &session{srv: srv, clock: newCountingClock(before + ahead)} // ahead of them buffered
	s.br = bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", ahead)), ahead)
	if _, err := s.br.Peek(ahead); err != nil {
		t.Fatal(err)
	}
	s.startData()
	want := 2*o.Server.Timeout + time.Duration(ahead)*time.Second/minDataRate
	if got := s.dataDeadline().Sub(s.dataStart); got != want {
		t.Fatalf("deadline %v after the start, want %v", got, want)
	}
}
