package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Bounds the rest of the suite passed over, each found by a mutant that
// lived (tools/mutation.sh): the first value past a table, the ends of the
// years an .auth can hold, the space as an escaped byte, and recipient
// numbers in error texts.

func TestNamesPastTheTable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{Status(len(statusNames) - 1).String(), "failed"},
		{Status(len(statusNames)).String(), "status(3)"},
		{Status(-1).String(), "status(-1)"},
		{Body(len(bodyNames) - 1).String(), "8BITMIME"},
		{Body(len(bodyNames)).String(), "body(2)"},
		{Body(-1).String(), "body(-1)"},
	} {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}

// TestMarshalTextFirstValuePast: the first body type and status past the
// known ones, and a recipient number past MaxRecipients, are refused, and
// the error names the recipient (counted from 1).
func TestMarshalTextFirstValuePast(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, text string
		change     func(*Envelope)
	}{
		{"body", "unknown body type 2", func(e *Envelope) { e.Body = Body(len(bodyNames)) }},
		{"no address", "recipient 2: no address", func(e *Envelope) { e.Recipients[1].Addr = "" }},
		{"number", "recipient 2: number", func(e *Envelope) { e.Recipients[1].N = MaxRecipients + 1 }},
		{"status", "recipient 2: unknown status 3", func(e *Envelope) { e.Recipients[1].Status = Status(len(statusNames)) }},
	} {
		e := testEnvelope("a@x.example", "b@x.example")
		e.number()
		c.change(e)
		_, err := e.MarshalText()
		if err == nil || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: MarshalText = %v; want an error saying %q", c.name, err, c.text)
		}
	}
	e := testEnvelope("a@x.example")
	e.Recipients[0].N = MaxRecipients
	if _, err := e.MarshalText(); err != nil {
		t.Errorf("recipient number MaxRecipients: %v", err)
	}
}

// TestTimeOKYears: an .auth holds four-digit years, 0000 to 9999.
func TestTimeOKYears(t *testing.T) {
	t.Parallel()
	for y, want := range map[int]bool{-1: false, 0: true, 9999: true, 10000: false} {
		if got := timeOK(time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC)); got != want {
			t.Errorf("timeOK(year %d) = %v, want %v", y, got, want)
		}
	}
}

// TestEscapeSpace: the space separates tokens, so it is escaped, and the
// byte below it and the one above.
func TestEscapeSpace(t *testing.T) {
	t.Parallel()
	if got := escape("a b\x1f!"); got != "a%20b%1F!" {
		t.Errorf("escape = %q", got)
	}
}

// failingReader fails every read with errInjected.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errInjected }

// TestWriteSetReadErrorIsARead: a body that cannot be read is reported as
// a failed read of the body, not as a failed write of the set, so the log
// does not blame the disk.
func TestWriteSetReadErrorIsARead(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	env := testEnvelope()
	env.ID = NewID(time.Now())
	err := tr.WriteSet(External, env, failingReader{})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Op != "read" || !errors.Is(err, errInjected) {
		t.Fatalf("WriteSet with a failing body = %v; want a FileError for the read", err)
	}
	if left := filesIn(t, tr.dirs[External]); len(left) != 0 {
		t.Errorf("left in external/: %v", left)
	}
}

// TestArchiveSyncFailure: a failed sync of either folder of an archive is
// reported, never swallowed (DURABILITY rule 13).
func TestArchiveSyncFailure(t *testing.T) {
	t.Parallel()
	for _, which := range []string{"deleted", "mailbox"} {
		tr := newTree(t)
		first, id := delivered(t, tr), delivered(t, tr)
		mb, err := tr.Mailbox("bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := mb.Archive(first); err != nil { // makes the deleted folder
			t.Fatal(err)
		}
		tr.syncHook = func(kind, path string, do func() error) error {
			if kind == syncKindFolder && (which == "deleted") == strings.HasSuffix(path, deletedDir) {
				return errInjected
			}
			return do()
		}
		if err := mb.Archive(id); !errors.Is(err, errInjected) {
			t.Errorf("Archive with the %s folder's sync failing = %v; want the failure", which, err)
		}
	}
}

// TestRecoverCopyMoveIntoIncoming: a cross-device move into the incoming
// queue (folder number 0) cut short after the copy was committed is
// finished by Recover, not undone: the set ends only in the queue.
func TestRecoverCopyMoveIntoIncoming(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	tr.forceCopy = true
	id := commitMsg(t, tr, External, syncBody)
	crashAt(tr, "move:copied")
	if !survive(func() { tr.Move(id, External, Incoming) }) {
		t.Fatal("the move did not stop at move:copied")
	}
	tr.hook = nil
	if _, err := tr.Recover(0); err != nil {
		t.Fatal(err)
	}
	only(t, tr, id, Incoming, syncBody)
}

// TestParseEnvelopeLineNumbers: a parse error names its line, counted
// from 1.
func TestParseEnvelopeLineNumbers(t *testing.T) {
	t.Parallel()
	e := testEnvelope()
	e.number()
	data, err := e.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	bad := lines[0] + "bogus line\n" + strings.Join(lines[1:], "")
	if _, err := ParseEnvelope([]byte(bad)); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a bad second line: %v; want an error naming line 2", err)
	}
	if _, err := ParseEnvelope(append(data, "more\n"...)); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("line %d", len(lines))) {
		t.Errorf("text after the end line: %v; want an error naming line %d", err, len(lines))
	}
}

// TestSameContentLarge: files longer than one read buffer are compared to
// their ends (Recover removes a leftover copy only when it is identical).
func TestSameContentLarge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	body := strings.Repeat("0123456789abcdef", bufSize/8) // two buffers
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := write("a", body), write("b", body)
	c := write("c", body[:len(body)-1]+"X")
	d := write("d", body+"more")
	for _, x := range []struct {
		other string
		want  bool
	}{{b, true}, {c, false}, {d, false}} {
		same, err := sameContent(a, x.other)
		if err != nil || same != x.want {
			t.Errorf("sameContent(a, %s) = %v, %v; want %v", filepath.Base(x.other), same, err, x.want)
		}
	}
}
