package policy

import (
	"bytes"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Automatic bans that end (AutoBanMinutes), and lifting a ban by hand
// (/UNBAN). A line Ban wrote carries its time in its comment ("# banned
// 2026-12-04T10:00:00Z by SMTP: ..."); a line without one was written by
// hand and is never removed here.

// banComment finds the time in a ban line's comment.
var banComment = regexp.MustCompile(`#\s*banned\s+(\S+)\s+by\s`)

// bannedAt returns when an automatic ban line was written; false for a
// hand-written line.
func bannedAt(line string) (time.Time, bool) {
	m := banComment.FindStringSubmatch(line)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, m[1])
	return t, err == nil
}

// expired reports whether an automatic ban made at t has ended.
func (b *BlockList) expired(t time.Time, now time.Time) bool {
	return b.opt.Expire > 0 && !t.IsZero() && !now.Before(t.Add(b.opt.Expire))
}

// purge removes the ended bans from the file when the list read last has
// one, and reads the file again; b.mu is held. After a failure it waits a
// minute before trying again, and ended bans meanwhile block nobody
// (Blocked checks the time itself).
func (b *BlockList) purge(now time.Time) {
	if b.list == nil || !b.expired(b.list.oldest, now) || now.Before(b.nextPurge) {
		return
	}
	removed, err := b.edit(func(line string) bool {
		t, ok := bannedAt(line)
		return ok && b.expired(t, now)
	})
	if err != nil {
		b.nextPurge = now.Add(time.Minute)
		if b.opt.Warn != nil {
			b.opt.Warn(fmt.Sprintf("cannot remove ended bans from %s: %v", b.path, err))
		}
		return
	}
	for _, line := range removed {
		if b.opt.Expired != nil {
			b.opt.Expired(line)
		}
	}
	b.list, b.info = b.read()
}

// edit removes from the file, under the cross-process lock, the entry lines
// drop selects, keeping every other line (comments, blank and bad lines) as
// it is, and returns the lines removed. Nothing is written when nothing is
// removed: another instance may have purged them first.
func (b *BlockList) edit(drop func(line string) bool) ([]string, error) {
	var removed []string
	err := withLock(b.path, func(path string) error {
		data, err := readFile(path)
		if err != nil || data == nil {
			return err
		}
		var out bytes.Buffer
		for _, line := range bytes.SplitAfter(data, []byte("\n")) {
			text := strings.TrimRight(string(line), "\r\n")
			if _, ok, err := parseLine(text); ok && err == nil && drop(text) {
				removed = append(removed, strings.TrimSpace(text))
				continue
			}
			out.Write(line)
		}
		if len(removed) == 0 {
			return nil
		}
		return writeAtomic(path, out.Bytes())
	})
	return removed, err
}

// BanEntry is one entry of the list, for /BANS.
type BanEntry struct {
	Line    string       // as written, comment and all
	Prefix  netip.Prefix // the address or range
	Banned  time.Time    // when an automatic ban was made; zero if written by hand
	Expires time.Time    // when it ends; zero if never
}

// Bans returns the entries of the list in file order.
func (b *BlockList) Bans() []BanEntry {
	l := b.current()
	out := make([]BanEntry, 0, len(l.lines))
	for i, line := range l.lines {
		p, _, _ := parseLine(line)
		e := BanEntry{Line: line, Prefix: p, Banned: l.banned[i]}
		if b.opt.Expire > 0 && !e.Banned.IsZero() {
			e.Expires = e.Banned.Add(b.opt.Expire)
		}
		out = append(out, e)
	}
	return out
}

// Unban lifts the automatic bans that cover ip: their lines are removed
// from the file. Hand-written lines that cover ip are returned, not
// touched: the administrator wrote them and edits them.
func (b *BlockList) Unban(ip netip.Addr) (removed, handWritten []string, err error) {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return nil, nil, fmt.Errorf("policy: unban: invalid address")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	removed, err = b.edit(func(line string) bool {
		p, _, _ := parseLine(line)
		if !p.Contains(ip) {
			return false
		}
		if _, auto := bannedAt(line); !auto {
			handWritten = append(handWritten, strings.TrimSpace(line))
			return false
		}
		return true
	})
	if err != nil {
		return nil, nil, fmt.Errorf("policy: unban %s in %s: %w", ip, b.path, err)
	}
	b.checked = time.Time{}
	b.list = nil // read again at the next check
	return removed, handWritten, nil
}
