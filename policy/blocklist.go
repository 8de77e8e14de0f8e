package policy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"mailq/internal/osfile"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// statInterval is how often a cached block list looks at its file.
const statInterval = time.Second

// BlockListOptions configure a BlockList.
type BlockListOptions struct {
	// Cache (CacheIPBlockFile) keeps the parsed list in memory and re-reads
	// the file only when it changes, looking at most once a second. Without
	// it the file is read on every check, as the original did.
	Cache bool
	// By names the instance in ban comments: "SMTP" or "POP3".
	By string
	// Warn, if set, receives each problem of the file (a bad line, a read
	// error) once, when the file is read with that problem for the first
	// time; main passes a logger's Warnf.
	Warn func(problem string)
	// Now is the clock of the stat interval; nil means time.Now.
	Now func() time.Time
	// Expire (AutoBanMinutes) makes automatic bans end this long after the
	// time their comment gives; whichever instance notices first removes
	// them from the file (banexpiry.go). 0 keeps them for ever. Lines
	// written by hand never expire.
	Expire time.Duration
	// Expired, if set, receives each line removed because its ban ended.
	Expired func(line string)
}

// BlockList is ipblock.txt: one IPv4/IPv6 address or CIDR range a line, "#"
// comments (whole-line or after the address), blank lines. Bad lines are
// skipped and reported through Problems and Warn. A missing file blocks
// nothing. It is safe for concurrent use.
type BlockList struct {
	path string
	opt  BlockListOptions

	mu        sync.Mutex
	list      *parsedList // nil until first read
	info      fs.FileInfo // of the file list came from; nil if it was missing
	checked   time.Time   // last stat
	nextPurge time.Time   // after a purge failed: when to try again
}

// parsedList is one reading of the file.
type parsedList struct {
	set      prefixSet
	lines    []string    // entry text by index, comment and all
	banned   []time.Time // by index: when an automatic ban was made; zero for hand-written lines
	oldest   time.Time   // the earliest automatic ban; zero if none
	problems []string
}

// NewBlockList returns the block list kept in the file at path. Nothing is
// read until the first check.
func NewBlockList(path string, opt BlockListOptions) *BlockList {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.By == "" {
		opt.By = "mailq"
	}
	return &BlockList{path: path, opt: opt}
}

// Blocked reports whether ip is on the list and, if so, the line that lists
// it (trimmed, comment included) for the log.
func (b *BlockList) Blocked(ip netip.Addr) (bool, string) {
	l := b.current()
	idx, ok := l.set.lookup(ip)
	if !ok || b.expired(l.banned[idx], b.opt.Now()) {
		return false, ""
	}
	return true, l.lines[idx]
}

// Len returns the number of entries in the list as last read.
func (b *BlockList) Len() int { return b.current().set.len() }

// Problems returns the problems of the file as last read: bad lines as
// "ipblock.txt:LINE: TEXT: why", or why the file could not be read.
func (b *BlockList) Problems() []string {
	return slices.Clone(b.current().problems)
}

// current returns the list, re-reading the file when needed.
func (b *BlockList) current() *parsedList {
	now := b.opt.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.opt.Cache && b.list != nil {
		if since := now.Sub(b.checked); since >= 0 && since < statInterval {
			return b.list
		}
	}
	b.checked = now
	fi, err := os.Stat(b.path)
	if b.opt.Cache && b.list != nil && sameFile(b.info, fi, err) {
		b.purge(now) // a ban may have ended although the file is unchanged
		return b.list
	}
	old := b.list
	b.list, b.info = b.read()
	b.purge(now)
	if b.opt.Warn != nil {
		for _, p := range b.list.problems {
			if old == nil || !slices.Contains(old.problems, p) {
				b.opt.Warn(p)
			}
		}
	}
	return b.list
}

// sameFile reports whether the file is unchanged since old was taken: both
// missing, or the same file (not replaced by a rename) with the same size
// and modification time.
func sameFile(old, cur fs.FileInfo, err error) bool {
	if err != nil || old == nil {
		return old == nil && errors.Is(err, fs.ErrNotExist)
	}
	return os.SameFile(old, cur) && old.Size() == cur.Size() && old.ModTime().Equal(cur.ModTime())
}

// read reads and parses the file. The FileInfo is taken from the open file,
// so it describes exactly the content read.
func (b *BlockList) read() (*parsedList, fs.FileInfo) {
	f, err := os.Open(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &parsedList{}, nil
	}
	if err != nil {
		return &parsedList{problems: []string{err.Error()}}, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return &parsedList{problems: []string{err.Error()}}, nil
	}
	l := parse(filepath.Base(b.path), bufio.NewReader(f))
	return l, fi
}

// parse reads a block list, noting bad lines.
func parse(name string, r *bufio.Reader) *parsedList {
	l := &parsedList{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		p, ok, err := parseLine(text)
		if err != nil {
			l.problems = append(l.problems, fmt.Sprintf("%s:%d: %q: %v", name, n, clip(text), err))
			continue
		}
		if ok {
			l.set.add(p, len(l.lines))
			l.lines = append(l.lines, strings.TrimSpace(text))
			t, _ := bannedAt(text)
			l.banned = append(l.banned, t)
			if !t.IsZero() && (l.oldest.IsZero() || t.Before(l.oldest)) {
				l.oldest = t
			}
		}
	}
	if err := sc.Err(); err != nil {
		l.problems = append(l.problems, fmt.Sprintf("%s: %v", name, err))
	}
	return l
}

// clip shortens a bad line for a warning.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// Ban adds ip to the list, with a comment saying when, by which instance and
// why: "192.0.2.1  # banned 2025-01-02T03:04:05Z by SMTP: 5 failed logins".
// Nothing is written when an entry already covers ip. The file is created
// if missing, and replaced atomically under the cross-process lock, so the
// SMTP and POP3 instances can ban at the same moment and every ban lands
// once.
//
// An IPv6 address is banned with its whole /64, written as a range
// ("2001:db8:1:2::/64  # banned ..."): the per-IP limits and the login
// limits count an IPv6 client by its /64, since one host usually holds a
// whole /64 and could otherwise come back from the next address.
func (b *BlockList) Ban(ip netip.Addr, reason string, now time.Time) error {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return errors.New("policy: ban: invalid address")
	}
	entry := ip.String()
	if ip.Is6() {
		entry = netip.PrefixFrom(key(ip), 64).String()
	}
	line := fmt.Sprintf("%s  # banned %s by %s: %s", entry, now.Format(time.RFC3339), b.opt.By, oneLine(reason))
	err := withLock(b.path, func(path string) error {
		data, err := readFile(path)
		if err != nil {
			return err
		}
		l := parse("", bufio.NewReader(bytes.NewReader(data)))
		if _, ok := l.set.lookup(ip); ok {
			return nil
		}
		return writeAtomic(path, appendLine(data, line))
	})
	if err != nil {
		return fmt.Errorf("policy: ban %s in %s: %w", ip, b.path, err)
	}
	b.mu.Lock()
	b.checked = time.Time{} // look at the file on the next check
	b.mu.Unlock()
	return nil
}

// appendLine adds line to data, ending an unterminated last line first and
// using the file's own line ending (CRLF if it has any, else the platform's).
func appendLine(data []byte, line string) []byte {
	eol := osfile.EOL
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		eol = "\r\n"
	} else if i >= 0 {
		eol = "\n"
	}
	out := slices.Clip(data)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, eol...)
	}
	return append(append(out, line...), eol...)
}

// oneLine makes a reason safe for a comment: one line of printable text.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
