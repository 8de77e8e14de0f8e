package policy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// trackerHeader starts the POP-before-SMTP file, for whoever opens it.
const trackerHeader = "# POP-before-SMTP: address and Unix time of its latest POP3 login (written by mailq /POP)\n"

// Tracker is POP-before-SMTP: after a successful POP3 login the client's IP
// may relay through SMTP for Window (POPBeforeSMTPMinutes). The POP3 and SMTP
// instances are separate processes, so they share the logins through a file
// (Paths.POPBeforeSMTP) of "address unix-time" lines: the POP3 instance's
// Tracker writes it with Record, atomically under a cross-process lock,
// dropping expired lines; the SMTP instance's Tracker reads it in Allowed
// whenever the file changed. A zero Window turns the feature off: Record
// writes nothing and Allowed is always false. It is safe for concurrent use.
type Tracker struct {
	path   string
	window time.Duration

	mu    sync.Mutex
	seen  map[netip.Addr]time.Time // the file as last read or written
	info  fs.FileInfo              // of that file; nil when missing
	fresh bool                     // seen reflects a read or write
}

// NewTracker returns the Tracker of the file at path with the given window.
func NewTracker(path string, window time.Duration) *Tracker {
	return &Tracker{path: path, window: window, seen: map[netip.Addr]time.Time{}}
}

// refresh is how recent a recorded login must be for Record to leave the
// file alone: a mail client polling every minute would otherwise rewrite it
// on every login. The window after the latest login is thus at least
// Window minus refresh.
func (t *Tracker) refresh() time.Duration { return min(t.window/10, time.Minute) }

// Record notes a successful POP3 login from ip at now. Called by the POP3
// server after USER/PASS, APOP or AUTH succeeds.
func (t *Tracker) Record(ip netip.Addr, now time.Time) error {
	ip = ip.Unmap().WithZone("")
	if t.window <= 0 || !ip.IsValid() {
		return nil
	}
	err := withLock(t.path, func(path string) error {
		data, err := readFile(path)
		if err != nil {
			return err
		}
		seen := parseLogins(data)
		if last, ok := seen[ip]; ok && !last.After(now) && now.Sub(last) < t.refresh() {
			return nil
		}
		seen[ip] = time.Unix(now.Unix(), 0) // the file's precision
		for a, at := range seen {
			if now.Sub(at) >= t.window {
				delete(seen, a)
			}
		}
		if err := writeAtomic(path, formatLogins(seen)); err != nil {
			return err
		}
		fi, _ := os.Stat(path)
		t.mu.Lock()
		t.seen, t.info, t.fresh = seen, fi, true
		t.mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("policy: POP-before-SMTP %s: %w", t.path, err)
	}
	return nil
}

// Allowed reports whether ip logged in to POP3 less than Window before now.
// It looks at the file on every call (a stat; the file is read only when it
// changed), because a mail client sends right after it fetched.
func (t *Tracker) Allowed(ip netip.Addr, now time.Time) bool {
	ip = ip.Unmap().WithZone("")
	if t.window <= 0 || !ip.IsValid() {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fi, err := os.Stat(t.path)
	if !t.fresh || !sameFile(t.info, fi, err) {
		t.seen, t.info = t.read()
		t.fresh = true
	}
	at, ok := t.seen[ip]
	return ok && !at.After(now.Add(time.Minute)) && now.Sub(at) < t.window
}

// read reads the file; a missing or unreadable file means no logins.
func (t *Tracker) read() (map[netip.Addr]time.Time, fs.FileInfo) {
	f, err := os.Open(t.path)
	if err != nil {
		return map[netip.Addr]time.Time{}, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return map[netip.Addr]time.Time{}, nil
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return map[netip.Addr]time.Time{}, nil
	}
	return parseLogins(buf.Bytes()), fi
}

// parseLogins reads "address unix-time" lines, skipping comments and
// anything malformed (the file is ours; a damaged line only loses a login).
func parseLogins(data []byte) map[netip.Addr]time.Time {
	seen := map[netip.Addr]time.Time{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		ip, err1 := netip.ParseAddr(f[0])
		sec, err2 := strconv.ParseInt(f[1], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			continue
		}
		at := time.Unix(sec, 0)
		ip = ip.Unmap().WithZone("")
		if old, ok := seen[ip]; !ok || at.After(old) {
			seen[ip] = at
		}
	}
	return seen
}

// formatLogins writes the lines in address order, so equal content gives an
// equal file.
func formatLogins(seen map[netip.Addr]time.Time) []byte {
	addrs := make([]netip.Addr, 0, len(seen))
	for a := range seen {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	var b bytes.Buffer
	b.WriteString(trackerHeader)
	for _, a := range addrs {
		fmt.Fprintf(&b, "%s %d\n", a, seen[a].Unix())
	}
	return b.Bytes()
}
