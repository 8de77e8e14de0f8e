package wire

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// dripConn is a connection that hands out one scripted chunk per Read, and
// advances a fake clock by step before each. A read whose deadline has
// passed by then fails with os.ErrDeadlineExceeded, as a socket's would.
type dripConn struct {
	chunks    []string
	clock     time.Time
	step      time.Duration
	deadline  time.Time
	deadlines []time.Duration // each deadline set, from the start
	start     time.Time
}

func (c *dripConn) now() time.Time { return c.clock }

func (c *dripConn) SetReadDeadline(t time.Time) error {
	c.deadline = t
	c.deadlines = append(c.deadlines, t.Sub(c.start))
	return nil
}

func (c *dripConn) Read(p []byte) (int, error) {
	c.clock = c.clock.Add(c.step)
	if !c.deadline.IsZero() && c.clock.After(c.deadline) {
		return 0, os.ErrDeadlineExceeded
	}
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks = c.chunks[1:]
	return n, nil
}

func newDrip(step time.Duration, chunks ...string) *dripConn {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &dripConn{chunks: chunks, clock: t0, start: t0, step: step}
}

// TestClockReaderLineDeadline checks that a line must end within the time
// limit of its first byte however its bytes are spread over reads, while a
// client that sends its lines promptly may take as long as it likes in all.
func TestClockReaderLineDeadline(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		step   time.Duration
		chunks []string
		want   []string
	}{
		// One byte a second against a 5 s limit: the sixth read is late.
		{"drip", time.Second, strings.Split("NOOP NOOP NOOP\r\n", ""), []string{"!" + os.ErrDeadlineExceeded.Error()}},
		// Whole lines every 4 s: each within its own 5 s.
		{"prompt lines", 4 * time.Second, []string{"NOOP\r\n", "NOOP\r\n", "NOOP\r\n", "QUIT\r\n"},
			[]string{`"NOOP"`, `"NOOP"`, `"NOOP"`, `"QUIT"`, "!EOF"}},
		// A line split in two, 4 s apart: 4 s after its first byte.
		{"two halves", 4 * time.Second, []string{"NO", "OP\r\n"}, []string{`"NOOP"`, "!EOF"}},
		// The wait for a line's first byte is limited too (idle).
		{"idle", 6 * time.Second, []string{"NOOP\r\n"}, []string{"!" + os.ErrDeadlineExceeded.Error()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn := newDrip(c.step, c.chunks...)
			cr := NewClockReader(conn, 5*time.Second, conn.now)
			lr := NewLineReader(bufio.NewReaderSize(cr, 16))
			lr.Clock(cr)
			if got := strings.Join(readLines(lr, 512), " "); got != strings.Join(c.want, " ") {
				t.Errorf("got %s, want %s (deadlines %v)", got, strings.Join(c.want, " "), conn.deadlines)
			}
		})
	}
}

// TestClockReaderOutsideLines checks that reads outside a line (DATA) get
// the idle deadline from each read, capped by the limit.
func TestClockReaderOutsideLines(t *testing.T) {
	t.Parallel()
	conn := newDrip(time.Second, "a", "b", "c", "d")
	cr := NewClockReader(conn, 5*time.Second, conn.now)
	limit := conn.start.Add(3500 * time.Millisecond)
	cr.SetLimit(func() time.Time { return limit })
	buf := make([]byte, 8)
	var err error
	n := 0
	for err == nil {
		var k int
		k, err = cr.Read(buf)
		n += k
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) || n != 3 || cr.Count() != 3 {
		t.Errorf("read %d bytes (count %d), then %v; want 3, then the limit", n, cr.Count(), err)
	}
	if want := 5 * time.Second; conn.deadlines[0] != 3500*time.Millisecond || conn.deadlines[1] != 3500*time.Millisecond {
		t.Errorf("deadlines %v, want the limit (3.5s) below the idle %v", conn.deadlines, want)
	}
}

// TestDropLimit checks that an endless line is given up after the drop
// limit instead of being read for as long as it goes on, while an over-long
// line under the bound is skipped and the next line read.
func TestDropLimit(t *testing.T) {
	t.Parallel()
	endless := strings.NewReader(strings.Repeat("x", 1<<20))
	lr := NewLineReader(bufio.NewReaderSize(endless, 4096))
	lr.SetDropLimit(64 << 10)
	if _, err := lr.ReadLine(512); !errors.Is(err, ErrLineOverrun) {
		t.Fatalf("endless line: %v, want ErrLineOverrun", err)
	}
	if left := endless.Len(); left < 1<<20-(64<<10)-8192 {
		t.Errorf("read %d bytes of the endless line, want about 64 KB", 1<<20-left)
	}
	long := strings.Repeat("y", 60<<10) + "\r\nQUIT\r\n"
	lr = NewLineReader(bufio.NewReaderSize(strings.NewReader(long), 4096))
	lr.SetDropLimit(64 << 10)
	if got := strings.Join(readLines(lr, 512), " "); got != `!too long "QUIT" !EOF` {
		t.Errorf("a 60 KB line under the bound: got %s", got)
	}
}

// TestClockReaderNoTimeout: a time limit of 0 (the POP3 debug command
// NOTO) sets no deadline at all, not one that has already passed.
func TestClockReaderNoTimeout(t *testing.T) {
	t.Parallel()
	conn := newDrip(time.Hour, "NO", "OP\r\n", "QUIT\r\n")
	cr := NewClockReader(conn, 5*time.Second, conn.now)
	cr.SetTimeout(0)
	if dl := cr.Deadline(); !dl.IsZero() {
		t.Errorf("deadline %v with no time limit, want none", dl)
	}
	lr := NewLineReader(bufio.NewReaderSize(cr, 16))
	lr.Clock(cr)
	if got := strings.Join(readLines(lr, 512), " "); got != `"NOOP" "QUIT" !EOF` {
		t.Errorf("an hour between reads without a limit: got %s", got)
	}
}

// TestDropLimitBoundary: the drop limit is the most that is dropped; a
// line dropped to exactly the limit is skipped to its end, one byte more is
// given up.
func TestDropLimitBoundary(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int
		want string
	}{
		{64, `!too long "QUIT" !EOF`},
		{80, "!" + ErrLineOverrun.Error()},
	} {
		in := strings.Repeat("x", c.n) + "\r\nQUIT\r\n"
		lr := NewLineReader(bufio.NewReaderSize(strings.NewReader(in), 16))
		lr.SetDropLimit(64)
		got := strings.Join(readLines(lr, 10), " ")
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("a line of %d bytes, drop limit 64: got %s, want %s", c.n, got, c.want)
		}
	}
}
