package mailtest

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fatih/color"
)

// tracer prints the conversation: client lines ("C:") and server lines
// ("S:") in different colours when colour is on, each server reply with the
// time since the command that asked for it.
type tracer struct {
	w        io.Writer
	client   *color.Color
	server   *color.Color
	note     *color.Color
	fail     *color.Color
	now      func() time.Time
	sent     time.Time // when the last client line left
	start    time.Time
	maskNext bool // the next client line is a secret (AUTH LOGIN steps)
}

func newTracer(w io.Writer, useColor bool, now func() time.Time) *tracer {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if useColor {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	t := &tracer{w: w, now: now,
		client: mk(color.FgYellow), server: mk(color.FgCyan),
		note: mk(color.FgWhite, color.Bold), fail: mk(color.FgRed, color.Bold)}
	t.start = now()
	t.sent = t.start
	return t
}

func (t *tracer) notef(format string, args ...any) {
	t.note.Fprintf(t.w, "%s\n", fmt.Sprintf(format, args...))
}

func (t *tracer) failf(format string, args ...any) {
	t.fail.Fprintf(t.w, "%s\n", fmt.Sprintf(format, args...))
}

// clientLine shows a line the tester sends, with secrets masked.
func (t *tracer) clientLine(line string) {
	t.sent = t.now()
	t.client.Fprintf(t.w, "C: %s\n", printable(mask(line)))
}

// secretLine shows a line that is all secret (an AUTH LOGIN step).
func (t *tracer) secretLine() {
	t.sent = t.now()
	t.client.Fprintf(t.w, "C: ********\n")
}

// serverLine shows a reply line; the last line of a reply carries the time
// since the command (or the connection) that asked for it.
func (t *tracer) serverLine(line string, last bool) {
	if last {
		t.server.Fprintf(t.w, "S: %s  [%s]\n", printable(line), ms(t.now().Sub(t.sent)))
		return
	}
	t.server.Fprintf(t.w, "S: %s\n", printable(line))
}

func (t *tracer) elapsed() time.Duration { return t.now().Sub(t.start) }

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

// mask hides what follows a command that carries a secret: PASS, APOP's
// digest, AUTH's initial response.
func mask(line string) string {
	verb, rest, _ := strings.Cut(line, " ")
	switch strings.ToUpper(verb) {
	case "PASS":
		return verb + " ********"
	case "APOP":
		user, _, _ := strings.Cut(rest, " ")
		return verb + " " + user + " ********"
	case "AUTH":
		mech, resp, ok := strings.Cut(rest, " ")
		if ok && resp != "" {
			return verb + " " + mech + " ********"
		}
	}
	return line
}

// printable escapes control characters a hostile server could send to a
// terminal.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
