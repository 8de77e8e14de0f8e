package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"mailq/queue"
)

// Summary is one line of a mailbox's message list: what the list shows and
// searches. JSON field names are part of the API.
type Summary struct {
	ID      queue.ID  `json:"id"`
	From    string    `json:"from"`
	To      string    `json:"to"` // To and Cc, decoded, comma-separated
	Subject string    `json:"subject"`
	Date    time.Time `json:"date"` // the Date header, or the receive time if it has none
	Size    int64     `json:"size"`
	// Received is when the message was filed into the mailbox (its file's
	// time): the list's order, newest first.
	Received time.Time `json:"received"`

	search string // lower-case from, to and subject, for the search
}

// indexHeader is the first line of an index file; a file with another
// first line is ignored and rebuilt.
const indexHeader = "mailq-web-index 1"

// maxHeaderRead bounds how much of a message the index reads: its header.
const maxHeaderRead = 256 << 10

// boxIndex is the in-memory index of one mailbox. Message files never
// change once committed (a name is never reused for other content), so an
// entry, once read, is good for as long as its file is there: bringing the
// index up to date is reading the folder's names, reading the header of
// each new one and dropping the gone ones.
type boxIndex struct {
	mu     sync.Mutex
	loaded bool
	byID   map[queue.ID]*Summary
	list   []*Summary // newest first; replaced, never changed in place
	size   int64

	// dirTime is the folder's modification time when it was last read,
	// and settled reports that it was older than mtimeSlack then: a later
	// change gives the folder a later time, so an equal time means no
	// change and the folder need not be read again.
	dirTime time.Time
	settled bool
}

// mtimeSlack covers file systems whose folder times are coarse: a change
// within the same tick as a read would keep the time, so a time is trusted
// only once it is older than this.
const mtimeSlack = 2 * time.Second

// indexes holds the index of every mailbox looked at so far.
type indexes struct {
	tree *queue.Tree
	mu   sync.Mutex
	m    map[queue.MailboxRef]*boxIndex
}

func newIndexes(tree *queue.Tree) *indexes {
	return &indexes{tree: tree, m: map[queue.MailboxRef]*boxIndex{}}
}

func (ix *indexes) get(ref queue.MailboxRef) *boxIndex {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	b := ix.m[ref]
	if b == nil {
		b = &boxIndex{byID: map[queue.ID]*Summary{}}
		ix.m[ref] = b
	}
	return b
}

// list returns the messages of mailbox ref, newest first, and their total
// size. The slice is shared: callers must not change it.
func (ix *indexes) list(ref queue.MailboxRef) ([]*Summary, int64, error) {
	mb, err := ix.tree.ExistingMailbox(ref)
	if err != nil {
		return nil, 0, err
	}
	b := ix.get(ref)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.loaded {
		b.load(mb)
		b.loaded = true
	}
	dirTime, err := mb.ModTime()
	if err != nil {
		return nil, 0, err
	}
	if b.list != nil && b.settled && dirTime.Equal(b.dirTime) {
		return b.list, b.size, nil
	}
	ids, err := mb.IDs()
	if err != nil {
		return nil, 0, err
	}
	b.dirTime, b.settled = dirTime, time.Since(dirTime) > mtimeSlack
	changed := false
	for _, id := range ids {
		if b.byID[id] == nil {
			s, err := readSummary(mb, id)
			if err != nil {
				continue // gone since the folder was read
			}
			b.byID[id], changed = s, true
		}
	}
	if len(b.byID) != len(ids) {
		keep := make(map[queue.ID]*Summary, len(ids))
		for _, id := range ids {
			if s := b.byID[id]; s != nil {
				keep[id] = s
			}
		}
		b.byID, changed = keep, true
	}
	if changed || b.list == nil {
		b.rebuild()
		if changed {
			// A cache: if it cannot be written, the next start reads the
			// headers again.
			_ = b.save(mb)
		}
	}
	return b.list, b.size, nil
}

func (b *boxIndex) rebuild() {
	list := make([]*Summary, 0, len(b.byID))
	var size int64
	for _, s := range b.byID {
		list = append(list, s)
		size += s.Size
	}
	// Newest first by arrival, whatever the Date headers claim; ids (which
	// begin with the receive time) settle ties.
	slices.SortFunc(list, func(x, y *Summary) int {
		if c := y.Received.Compare(x.Received); c != 0 {
			return c
		}
		return strings.Compare(string(y.ID), string(x.ID))
	})
	b.list, b.size = list, size
}

// load reads the index file, if there is a good one.
func (b *boxIndex) load(mb *queue.Mailbox) {
	f, err := mb.OpenIndex()
	if err != nil {
		return
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	first, err := r.ReadString('\n')
	if err != nil || strings.TrimSpace(first) != indexHeader {
		return
	}
	dec := json.NewDecoder(r)
	for {
		var s Summary
		if err := dec.Decode(&s); err != nil {
			return // io.EOF, or a damaged tail: what was read is good
		}
		if s.ID.Valid() {
			s.search = searchText(&s)
			b.byID[s.ID] = &s
		}
	}
}

// save writes the index file atomically.
func (b *boxIndex) save(mb *queue.Mailbox) error {
	return mb.WriteIndex(func(w io.Writer) error {
		if _, err := io.WriteString(w, indexHeader+"\n"); err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		for _, s := range b.list {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	})
}

// readSummary reads the header of message id.
func readSummary(mb *queue.Mailbox, id queue.ID) (*Summary, error) {
	f, err := mb.Open(id)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	s := &Summary{ID: id, Size: st.Size(), Date: idTime(id), Received: st.ModTime().UTC()}
	h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(f, maxHeaderRead)))
	if err == nil || len(h.Map()) > 0 {
		mh := mail.Header{Header: message(h)}
		s.From = addressText(&mh, "From")
		s.To = joinNonEmpty(addressText(&mh, "To"), addressText(&mh, "Cc"))
		s.Subject, _ = mh.Subject()
		if s.Subject == "" {
			s.Subject = h.Get("Subject")
		}
		if d, err := mh.Date(); err == nil && !d.IsZero() {
			s.Date = d
		}
	}
	s.search = searchText(s)
	return s, nil
}

// idTime is the receive time recorded in an id (YYYYMMDDhhmmss, UTC).
func idTime(id queue.ID) time.Time {
	if len(id) < 14 {
		return time.Time{}
	}
	t, err := time.Parse("20060102150405", string(id[:14]))
	if err != nil {
		return time.Time{}
	}
	return t
}

func searchText(s *Summary) string {
	return strings.ToLower(s.From + "\x00" + s.To + "\x00" + s.Subject)
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// errNotVisible is a mailbox or message the viewer may not see; it is
// answered as "not found", so nobody learns which addresses have mail.
var errNotVisible = errors.New("web: not visible to this viewer")
