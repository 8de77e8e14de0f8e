package mda

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync"

	"mailq/address"
	"mailq/config"
	"mailq/lockfile"
	"mailq/logs"
	"mailq/queue"
)

// Capture mode (a test mail server): every recipient's copy is filed into a
// mailbox of its own under UserPath, made on first delivery, whatever its
// domain and whether or not it is an account; nothing goes to the external
// queue, so nothing can leave through the MXA. Retention keeps the
// mailboxes within CaptureMaxMessages and CaptureMaxMB, per mailbox and in
// all, removing the oldest messages first.

// captureTarget decides one recipient in capture mode: a copy in the
// mailbox config.Capture.MailboxFor names, the address as received kept in
// X-Original-To when it differs.
func (p *planner) captureTarget(r queue.Recipient) target {
	addr := r.Addr
	if strings.EqualFold(addr, "postmaster") {
		domain := p.domain
		if domain == "" {
			domain = "localhost"
		}
		addr = "postmaster@" + domain // RFC 5321 §4.1.1.3
	} else if _, err := address.ParseMailbox(addr); err != nil {
		return target{n: r.N, addr: r.Addr, act: actFail, result: badAddress}
	}
	box := p.capture.MailboxFor(addr)
	t := target{n: r.N, act: actMailbox, addr: box}
	if asked := r.Addr; !strings.EqualFold(asked, box) {
		t.orig = asked
	}
	name, err := address.SafeName(box)
	if err != nil {
		// The SMTP server refuses it at RCPT with the same function.
		return target{n: r.N, addr: r.Addr, act: actFail, result: badAddress}
	}
	t.folder = name
	return t
}

// retention keeps the captured mailboxes within their limits. It counts
// what is on disk once (at the first delivery), then every copy the MDA
// writes; before removing anything from a mailbox it reads the mailbox
// again, so messages a POP3 client or the web deleted meanwhile are not
// counted twice.
//
// A mailbox is trimmed only while its POP3 lock is held by the retention
// itself: a POP3 session that holds the mailbox keeps every message it
// listed (RFC 1939 §5: message numbers are fixed for the session). Such a
// mailbox is trimmed at the next delivery after the session ends, and in
// the meantime the limit "in all" takes the oldest of the other mailboxes.
type retention struct {
	tree *queue.Tree
	log  *logs.Logger
	lim  config.Capture

	mu     sync.Mutex
	loaded bool
	boxes  map[string]*keptBox // by folder name
	count  int
	bytes  int64
	seq    int64 // the filing order (kept.seq)

	// held is the test seam for a POP3 session's lock: nil uses the real
	// lock files.
	lock func(mb *queue.Mailbox) (release func(), err error)
}

// keptBox is one mailbox's messages, oldest first (see before).
type keptBox struct {
	msgs  []kept
	ids   map[queue.ID]bool
	bytes int64
}

// kept is one message of a keptBox. seq is the order in which the MDA
// filed it; a message found on disk and not filed since this count began
// has unknownSeq.
type kept struct {
	id   queue.ID
	size int64
	seq  int64
}

const unknownSeq = math.MaxInt64

// before orders messages oldest first: by the receive second in the id,
// then in the order they were filed (ids within one second are random),
// then, for messages found on disk, by id. A copy another worker wrote a
// moment ago and has yet to report counts as the newest of its second, so
// it is never taken for an old one.
func before(a, b kept) int {
	if c := strings.Compare(string(a.id[:14]), string(b.id[:14])); c != 0 {
		return c
	}
	if a.seq != b.seq {
		if a.seq < b.seq {
			return -1
		}
		return 1
	}
	return strings.Compare(string(a.id), string(b.id))
}

func newRetention(tree *queue.Tree, log *logs.Logger, c config.Capture) *retention {
	if !c.On || (c.MaxMessages == 0 && c.TotalMessages == 0 && c.MaxMB == 0 && c.TotalMB == 0) {
		return nil
	}
	return &retention{tree: tree, log: log, lim: c, boxes: map[string]*keptBox{}}
}

// added records a copy of size bytes filed into the mailbox folder name,
// then trims that mailbox and the whole tree to their limits.
func (r *retention) added(folder string, id queue.ID, size int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.loaded {
		if err := r.load(); err != nil {
			r.log.MDAError(string(id), "capture retention: cannot count the mailboxes: %v", err)
			return
		}
	}
	b := r.box(folder)
	r.seq++
	if b.ids[id] {
		// Counted when the mailbox was read: it is this filing's copy.
		b.remove(id)
		r.count--
		r.bytes -= size
	}
	r.insert(b, kept{id: id, size: size, seq: r.seq})
	r.trim(folder)
}

func (r *retention) box(folder string) *keptBox {
	b := r.boxes[folder]
	if b == nil {
		b = &keptBox{ids: map[queue.ID]bool{}}
		r.boxes[folder] = b
	}
	return b
}

func (r *retention) insert(b *keptBox, m kept) {
	i, _ := slices.BinarySearchFunc(b.msgs, m, before)
	b.msgs = slices.Insert(b.msgs, i, m)
	b.ids[m.id] = true
	b.bytes += m.size
	r.count++
	r.bytes += m.size
}

// remove drops id from b's list (not from the totals).
func (b *keptBox) remove(id queue.ID) {
	i := slices.IndexFunc(b.msgs, func(m kept) bool { return m.id == id })
	if i >= 0 {
		b.bytes -= b.msgs[i].size
		b.msgs = slices.Delete(b.msgs, i, i+1)
	}
	delete(b.ids, id)
}

// load counts every mailbox under UserPath.
func (r *retention) load() error {
	refs, err := r.tree.Mailboxes()
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if ref.Unknown {
			continue
		}
		if err := r.reread(ref.Addr); err != nil {
			return err
		}
	}
	r.loaded = true
	return nil
}

// reread replaces the count of one mailbox by what is on disk, keeping the
// filing order of the messages it knew.
func (r *retention) reread(folder string) error {
	b := r.box(folder)
	seqs := make(map[queue.ID]int64, len(b.msgs))
	for _, m := range b.msgs {
		seqs[m.id] = m.seq
	}
	r.count -= len(b.msgs)
	r.bytes -= b.bytes
	b.msgs, b.ids, b.bytes = nil, map[queue.ID]bool{}, 0
	mb, err := r.tree.ExistingMailbox(queue.MailboxRef{Addr: folder})
	if errors.Is(err, queue.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	list, err := mb.List()
	if err != nil {
		return err
	}
	for _, m := range list {
		seq, ok := seqs[m.ID]
		if !ok {
			seq = unknownSeq
		}
		r.insert(b, kept{id: m.ID, size: m.Size, seq: seq})
	}
	return nil
}

// overBox and overAll report whether a mailbox, or all of them, hold more
// than their limits; aboveBox and aboveAll whether they hold more than
// the level a trim brings them down to: the limit less a twentieth of it
// (nothing for limits under 20). Trimming in such batches takes the
// mailbox's lock once per batch, not once per message, when a long test
// run keeps a mailbox at its limit.
func (r *retention) overBox(b *keptBox) bool {
	return over(len(b.msgs), r.lim.MaxMessages, 0) || over64(b.bytes, r.lim.MaxMB<<20, 0)
}

func (r *retention) aboveBox(b *keptBox) bool {
	return over(len(b.msgs), r.lim.MaxMessages, r.lim.MaxMessages/20) || over64(b.bytes, r.lim.MaxMB<<20, r.lim.MaxMB<<20/20)
}

func (r *retention) overAll() bool {
	return over(r.count, r.lim.TotalMessages, 0) || over64(r.bytes, r.lim.TotalMB<<20, 0)
}

func (r *retention) aboveAll() bool {
	return over(r.count, r.lim.TotalMessages, r.lim.TotalMessages/20) || over64(r.bytes, r.lim.TotalMB<<20, r.lim.TotalMB<<20/20)
}

// over reports whether n is above limit less slack; a limit of 0 is none.
func over(n, limit, slack int) bool { return limit > 0 && n > limit-slack }

func over64(n, limit, slack int64) bool { return limit > 0 && n > limit-slack }

// trim removes the oldest messages of folder while it is over its limits,
// then the oldest of any mailbox while all are over theirs, each down to
// the level of aboveBox and aboveAll. A mailbox held by a POP3 session is
// left for later.
func (r *retention) trim(folder string) {
	held := map[string]bool{}
	if r.overBox(r.boxes[folder]) {
		r.trimBox(folder, r.aboveBox, held)
	}
	if !r.overAll() {
		return
	}
	for r.aboveAll() {
		oldest := ""
		for name, b := range r.boxes {
			if held[name] || len(b.msgs) == 0 {
				continue
			}
			if oldest == "" || before(b.msgs[0], r.boxes[oldest].msgs[0]) < 0 {
				oldest = name
			}
		}
		if oldest == "" {
			return // every mailbox with mail is held: the next delivery tries again
		}
		r.trimBox(oldest, func(*keptBox) bool { return r.aboveAll() }, held)
	}
}

// trimBox removes the oldest messages of folder while over says so, holding
// the mailbox's POP3 lock; it marks folder in held when it cannot have it.
func (r *retention) trimBox(folder string, over func(*keptBox) bool, held map[string]bool) {
	mb, err := r.tree.ExistingMailbox(queue.MailboxRef{Addr: folder})
	if err != nil {
		held[folder] = true
		if errors.Is(err, queue.ErrNotFound) {
			_ = r.reread(folder) // gone: count nothing for it
			return
		}
		r.log.MDAError("", "capture retention: mailbox %s: %v", folder, err)
		return
	}
	release, err := r.lockBox(mb)
	if err != nil {
		held[folder] = true
		var h *lockfile.HeldError
		if !errors.As(err, &h) {
			r.log.MDAError("", "capture retention: cannot lock mailbox %s: %v", folder, err)
		}
		return
	}
	defer release()
	if err := r.reread(folder); err != nil {
		held[folder] = true
		r.log.MDAError("", "capture retention: mailbox %s: %v", folder, err)
		return
	}
	b := r.boxes[folder]
	for len(b.msgs) > 0 && over(b) {
		m := b.msgs[0]
		if err := mb.Delete(m.id); err != nil {
			held[folder] = true
			r.log.MDAError(string(m.id), "capture retention: cannot remove the oldest message of %s: %v", folder, err)
			return
		}
		b.remove(m.id)
		r.count--
		r.bytes -= m.size
		r.log.Debugf("MDA", string(m.id), "capture retention: removed from %s (%d bytes), the oldest over the limits", folder, m.size)
	}
	if len(b.msgs) == 0 || !over(b) {
		return
	}
	held[folder] = true
}

// lockBox takes the mailbox's POP3 lock, so that no POP3 session lists it
// while messages go.
func (r *retention) lockBox(mb *queue.Mailbox) (func(), error) {
	if r.lock != nil {
		return r.lock(mb)
	}
	l, err := lockfile.Acquire(mb.LockPath())
	if err != nil {
		return nil, err
	}
	return func() {
		if err := l.Release(); err != nil {
			r.log.MDAError("", "capture retention: release mailbox lock: %v", err)
		}
	}, nil
}

// copySize is the size of the copy fs.deliver wrote for t.
func (fs *filing) copySize(hdr []byte) int64 {
	return int64(len(hdr)) + fs.size - fs.h.bodyOff
}
