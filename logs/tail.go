package logs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fatih/color"
)

// TailOptions says what Tail follows and how it prints.
type TailOptions struct {
	Dir   string    // the logs folder
	File  File      // the log kind
	Lines int       // rows of the file shown before following (the original's tailcmd -n)
	Out   io.Writer // where rows are printed
	Color bool      // colour the lines, as the console does
	Now   func() time.Time
	Poll  time.Duration // how often the file is checked for growth; 0: 250 ms
}

// Tail prints the last Lines rows of today's log of kind File and then each
// row as it is written, until ctx ends. At midnight it moves on to the new
// day's file, as the writer does. Rows are shown as the console shows them:
// time, id, module and text.
func Tail(ctx context.Context, o TailOptions) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	p := newRowPrinter(o.Out, o.Color)
	path := DatedPath(o.Dir, o.File, o.Now())
	f := &follower{path: path}
	defer f.close()
	if err := f.backlog(o.Lines, p); err != nil {
		return err
	}
	tick := time.NewTicker(o.Poll)
	defer tick.Stop()
	for {
		if err := f.follow(p); err != nil {
			return err
		}
		if next := DatedPath(o.Dir, o.File, o.Now()); next != f.path {
			f.follow(p) // the last rows of the old day
			f.close()
			*f = follower{path: next}
			fmt.Fprintf(o.Out, "-- %s\n", next)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// follower reads one file as it grows, whole lines only.
type follower struct {
	path    string
	f       *os.File
	br      *bufio.Reader
	partial string
	header  bool // the header row has been passed
	names   map[string]int
}

func (f *follower) close() {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
}

// open opens the file once it exists; false while it does not.
func (f *follower) open() (bool, error) {
	if f.f != nil {
		return true, nil
	}
	file, err := os.Open(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	f.f, f.br = file, bufio.NewReader(file)
	return true, nil
}

// backlog prints the last n rows of the file and leaves the follower at
// its end.
func (f *follower) backlog(n int, p *rowPrinter) error {
	var last []record
	if err := f.lines(func(r record) {
		last = append(last, r)
		if len(last) > n {
			last = last[1:]
		}
	}); err != nil {
		return err
	}
	for _, r := range last {
		p.print(r)
	}
	return nil
}

func (f *follower) follow(p *rowPrinter) error { return f.lines(p.print) }

// lines passes every complete row written since the last call to fn.
func (f *follower) lines(fn func(record)) error {
	ok, err := f.open()
	if !ok || err != nil {
		return err
	}
	for {
		s, err := f.br.ReadString('\n')
		if err == io.EOF {
			f.partial += s // a row being written: finished next time
			return nil
		}
		if err != nil {
			return err
		}
		line := f.partial + s
		f.partial = ""
		if !f.header {
			f.header = true
			rr, err := newRowReader(strings.NewReader(line))
			if err == nil {
				f.names = rr.names
				continue
			}
			f.names = defaultNames(f.path)
		}
		// Each row is one line: csv never writes a newline inside a cell
		// of ours (csvLine escapes them).
		rr := &rowReader{names: f.names}
		if row, err := rr.parse(line); err == nil {
			fn(row)
		}
	}
}

// parse reads one row from one line of the file.
func (rr *rowReader) parse(line string) (record, error) {
	fields, err := newCSV(strings.NewReader(line)).Read()
	return record{names: rr.names, fields: fields}, err
}

// defaultNames are the common columns, for a file without a header row.
func defaultNames(string) map[string]int {
	m := map[string]int{}
	for i, n := range commonColumns {
		m[n] = i
	}
	return m
}

// rowPrinter prints rows as console lines.
type rowPrinter struct {
	w      io.Writer
	colors map[tint]*color.Color
}

func newRowPrinter(w io.Writer, on bool) *rowPrinter {
	return &rowPrinter{w: w, colors: makeColors(on)}
}

func (p *rowPrinter) print(r record) {
	clock := r.Get("time")
	if t := r.Time(); !t.IsZero() {
		clock = t.Format("15:04:05")
	}
	id := r.Get("id")
	if id == "" {
		id = "-"
	}
	// Rows mailq wrote hold no control character (Escape), but a log file
	// is only a file: a row someone else wrote must not drive the terminal.
	line := controlFree(fmt.Sprintf("%s %-5s %-5s %s", clock, id, r.Get("module"), r.Get("text")))
	if c := p.colors[statusColor(r.Get("status"), r.Get("module"))]; c != nil {
		c.Fprintln(p.w, line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// statusColor picks the console colour of a row from what it says: the
// file keeps the status word, not the colour.
func statusColor(status, module string) tint {
	switch status {
	case "OK", "SENT":
		return green
	case "FAIL", "FAILED", "ERROR", "BANNED":
		return red
	case "WARN", "BLOCK", "TAG", "DEFERRED":
		return yellow
	}
	switch module {
	case "MXA":
		return magenta
	case "MDA":
		return cyan
	}
	return grey
}

// controlFree writes the control characters of s (C0, DEL, C1) as \xHH and
// leaves everything else, backslashes included, as it is: the text of rows
// mailq wrote, already escaped, is shown unchanged.
func controlFree(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
