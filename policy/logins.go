package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of LoginOptions.
const (
	// DefaultLoginLock is the block time when LoginOptions.Lock is not set.
	DefaultLoginLock = 15 * time.Minute
	// DefaultMaxLoginEntries bounds the failed-login file.
	DefaultMaxLoginEntries = 10000
	// maxLoginName bounds a login name as remembered: longer names are no
	// accounts, and clipping keeps one line of the file short.
	maxLoginName = 320
)

// loginsHeader starts the failed-login file, for whoever opens it.
const loginsHeader = "# mailq failed logins, shared by the SMTP and POP3 instances: kind failures tries start-unix until-unix [address] [=name]; /UNLOCK clears an account's lines\n"

// LoginRule names the rule that refuses a login attempt.
type LoginRule int

const (
	LoginFree      LoginRule = iota // no rule refuses the attempt
	LoginAccountIP                  // this address guessed this name too often
	LoginIP                         // this address guessed too often, any names
	LoginAccount                    // this name was guessed too often from everywhere
)

func (r LoginRule) String() string {
	switch r {
	case LoginAccountIP:
		return "account+address"
	case LoginIP:
		return "address"
	case LoginAccount:
		return "account"
	}
	return "none"
}

// LoginOptions configure Logins. A zero limit turns its rule off.
type LoginOptions struct {
	// PerAccountIP (POPLockout) is the failed logins of one name from one
	// address after which that address may not try that name for Lock.
	PerAccountIP int
	// PerIP (MaxFailedLoginsPerIP) is the failed logins from one address,
	// whatever the names, after which it may not log in at all for Lock.
	PerIP int
	// PerAccount (MaxFailedLoginsPerAccount) is the failed logins of one
	// name from all addresses together after which the name is locked for
	// Lock, against everyone: the answer to guessing from many addresses.
	PerAccount int
	// Lock (LockoutMinutes) is how long a block lasts, and also how long a
	// count that has not reached its limit is kept after its first failure.
	Lock time.Duration
	// MaxEntries bounds the file; 0 means DefaultMaxLoginEntries.
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Refusal says why, and until when, a login attempt is refused unchecked.
type Refusal struct {
	Rule  LoginRule
	Until time.Time
}

// Refused reports whether the attempt is refused.
func (r Refusal) Refused() bool { return r.Rule != LoginFree }

// LoginCounts are the counts after one failed attempt, for the log and for
// AutoBan.
type LoginCounts struct {
	AccountIP int // checked failures of the name from the address
	IP        int // checked failures from the address
	Tries     int // failed attempts from the address, refused ones included (AutoBan)
	Account   int // checked failures of the name from everywhere
	// Started is the block this failure started; Rule LoginFree if none.
	Started Refusal
}

// Logins counts failed logins by account, by address and by both, across
// sessions and across the two instances, and answers whether an attempt may
// be checked at all. The counts live in a file (Paths.Logins) that both
// instances update under the cross-process lock and re-read when it
// changes, like the POP-before-SMTP file, so a guess over SMTP AUTH counts
// towards the POP3 lock and the reverse.
//
// The rules, each lasting Lock: an address that failed PerAccountIP times
// for one name may not try that name; an address that failed PerIP times may
// not try any name; a name that failed PerAccount times, from anywhere, is
// locked for everyone. Addresses count as IPv4 addresses or IPv6 /64s, as
// the per-IP limits do. Exempt addresses (loopback, [RelayIPs]: the caller
// decides) escape the address rules, but their failures still count towards
// the account lock. The name rules apply to names that are no account just
// as to accounts, so a refusal tells nothing about which names exist. A
// success forgets the failures of that name from that address only: it must
// not lift a lock that many addresses earned. It is safe for concurrent use.
type Logins struct {
	path string
	opt  LoginOptions

	mu    sync.Mutex
	recs  map[loginKey]*loginRec // the file as last read or written
	info  fs.FileInfo            // of that file; nil when missing
	fresh bool                   // recs reflects a read or write
}

// loginKind is the kind of one record.
type loginKind string

const (
	kindAccount   loginKind = "account"
	kindIP        loginKind = "ip"
	kindAccountIP loginKind = "pair"
)

type loginKey struct {
	kind loginKind
	ip   netip.Addr // kindIP, kindAccountIP: the address key (IPv4, or IPv6 /64)
	name string     // kindAccount, kindAccountIP: the lower-case name
}

type loginRec struct {
	fails int       // checked failures in the current window
	tries int       // kindIP: every failed attempt in the window
	start time.Time // the window's first failure
	until time.Time // blocked until; zero: not blocked
}

// NewLogins returns the failed-login counts kept in the file at path.
func NewLogins(path string, opt LoginOptions) *Logins {
	if opt.Lock <= 0 {
		opt.Lock = DefaultLoginLock
	}
	if opt.MaxEntries <= 0 {
		opt.MaxEntries = DefaultMaxLoginEntries
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Logins{path: path, opt: opt, recs: map[loginKey]*loginRec{}}
}

// loginName is how a name is counted: lower case, clipped.
func loginName(name string) string {
	name = strings.ToLower(name)
	if len(name) > maxLoginName {
		name = name[:maxLoginName]
	}
	return name
}

// live returns r as it stands at now: nil when it has lapsed (its block is
// over, or its window passed without a block).
func (r *loginRec) live(now time.Time, lock time.Duration) *loginRec {
	switch {
	case r == nil:
		return nil
	case !r.until.IsZero():
		if now.Before(r.until) {
			return r
		}
		return nil
	case now.Sub(r.start) >= lock || r.start.After(now.Add(lock)):
		return nil
	}
	return r
}

func (r *loginRec) blocked(now time.Time) bool {
	return r != nil && !r.until.IsZero() && now.Before(r.until)
}

// Check reports whether name may try to log in from ip now. exempt lifts
// the address rules (loopback, [RelayIPs]). The account lock is looked at
// first: it is what the owner needs to hear about.
func (l *Logins) Check(name string, ip netip.Addr, exempt bool) Refusal {
	now := l.opt.Now()
	name, k := loginName(name), key(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refresh()
	if r := l.recs[loginKey{kind: kindAccount, name: name}]; r.blocked(now) {
		return Refusal{LoginAccount, r.until}
	}
	if exempt || !k.IsValid() {
		return Refusal{}
	}
	if r := l.recs[loginKey{kind: kindIP, ip: k}]; r.blocked(now) {
		return Refusal{LoginIP, r.until}
	}
	if r := l.recs[loginKey{kind: kindAccountIP, ip: k, name: name}]; r.blocked(now) {
		return Refusal{LoginAccountIP, r.until}
	}
	return Refusal{}
}

// Failed records a failed attempt of name from ip. checked is true when the
// credentials were checked and refused (a guess), false when Check refused
// the attempt unchecked: that is no guess and counts only as a try of the
// address, for AutoBan.
func (l *Logins) Failed(name string, ip netip.Addr, exempt, checked bool) (LoginCounts, error) {
	now := l.opt.Now()
	name, k := loginName(name), key(ip)
	var c LoginCounts
	err := l.update(func(recs map[loginKey]*loginRec) bool {
		c = LoginCounts{}
		if checked {
			c.Account = l.count(recs, loginKey{kind: kindAccount, name: name}, l.opt.PerAccount, LoginAccount, now, &c.Started)
		}
		if exempt || !k.IsValid() {
			return checked
		}
		ipRec := l.get(recs, loginKey{kind: kindIP, ip: k}, now)
		ipRec.tries++
		c.Tries = ipRec.tries
		if checked {
			c.IP = l.count(recs, loginKey{kind: kindIP, ip: k}, l.opt.PerIP, LoginIP, now, &c.Started)
			c.AccountIP = l.count(recs, loginKey{kind: kindAccountIP, ip: k, name: name}, l.opt.PerAccountIP, LoginAccountIP, now, &c.Started)
		}
		return true
	})
	if err != nil {
		return c, fmt.Errorf("policy: failed logins %s: %w", l.path, err)
	}
	return c, nil
}

// get returns the live record of k, making a new one if needed.
func (l *Logins) get(recs map[loginKey]*loginRec, k loginKey, now time.Time) *loginRec {
	r := recs[k].live(now, l.opt.Lock)
	if r == nil {
		r = &loginRec{start: now}
		recs[k] = r
	}
	return r
}

// count adds a checked failure to the record of k and starts its block when
// it reaches limit (a zero limit never blocks). A failure counted while the
// record is already blocked (attempts checked in parallel) does not extend
// the block: blocks are bounded. The first rule to start a block is kept
// in *started.
func (l *Logins) count(recs map[loginKey]*loginRec, k loginKey, limit int, rule LoginRule, now time.Time, started *Refusal) int {
	r := l.get(recs, k, now)
	r.fails++
	if limit > 0 && r.fails >= limit && r.until.IsZero() {
		r.until = now.Add(l.opt.Lock)
		if !started.Refused() {
			*started = Refusal{rule, r.until}
		}
	}
	return r.fails
}

// Succeeded forgets the failures of name from ip: a user who mistyped and
// then got it right starts afresh from that address. The account's own
// count and the address's count stay, so a success cannot lift a lock that
// guessing earned. The file is written only when there is something to
// forget.
func (l *Logins) Succeeded(name string, ip netip.Addr) error {
	k := loginKey{kind: kindAccountIP, ip: key(ip), name: loginName(name)}
	if !k.ip.IsValid() {
		return nil
	}
	l.mu.Lock()
	l.refresh()
	_, has := l.recs[k]
	l.mu.Unlock()
	if !has {
		return nil
	}
	err := l.update(func(recs map[loginKey]*loginRec) bool {
		_, has := recs[k]
		delete(recs, k)
		return has
	})
	if err != nil {
		return fmt.Errorf("policy: failed logins %s: %w", l.path, err)
	}
	return nil
}

// ForgetAccount removes every count and lock of name from the failed-login
// file at path: the account lock, and the blocks of every address for that
// name (/UNLOCK). The address-wide counts stay: they are about the
// addresses, not the account. It reports whether anything was removed.
func ForgetAccount(path, name string) (bool, error) {
	name = loginName(name)
	return forget(path, func(k loginKey) bool {
		return k.name == name && (k.kind == kindAccount || k.kind == kindAccountIP)
	})
}

// ForgetAddress removes every count and block of the address ip (its /64
// for IPv6) from the failed-login file at path (/UNBAN), so that a lifted
// ban is not earned again by the next failure. Account locks stay: many
// addresses earned them.
func ForgetAddress(path string, ip netip.Addr) (bool, error) {
	k := key(ip)
	return forget(path, func(r loginKey) bool {
		return r.ip == k && (r.kind == kindIP || r.kind == kindAccountIP)
	})
}

// forget removes the records match selects, under the cross-process lock.
func forget(path string, match func(loginKey) bool) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil // nothing counted yet; do not leave a lock file
	}
	removed := false
	err := withLock(path, func(path string) error {
		data, err := readFile(path)
		if err != nil || data == nil {
			return err
		}
		recs := parseLoginFile(data)
		for k := range recs {
			if match(k) {
				delete(recs, k)
				removed = true
			}
		}
		if !removed {
			return nil
		}
		return replaceFile(path, formatLoginFile(recs))
	})
	if err != nil {
		return false, fmt.Errorf("policy: failed logins %s: %w", path, err)
	}
	return removed, nil
}

// refresh re-reads the file when it changed; l.mu is held.
func (l *Logins) refresh() {
	fi, err := os.Stat(l.path)
	if l.fresh && sameFile(l.info, fi, err) {
		return
	}
	l.recs, l.info = l.read()
	l.fresh = true
}

// update changes the file under the cross-process lock: fn changes the
// records as read from the file and reports whether to write them. Lapsed
// records are dropped and the number kept bounded before writing.
func (l *Logins) update(fn func(map[loginKey]*loginRec) bool) error {
	return withLock(l.path, func(path string) error {
		data, err := readFile(path)
		if err != nil {
			return err
		}
		recs := parseLoginFile(data)
		if !fn(recs) {
			return nil
		}
		l.prune(recs, l.opt.Now())
		if err := replaceFile(path, formatLoginFile(recs)); err != nil {
			return err
		}
		fi, _ := os.Stat(path)
		l.mu.Lock()
		l.recs, l.info, l.fresh = recs, fi, true
		l.mu.Unlock()
		return nil
	})
}

// prune drops lapsed records, then, while there are more than MaxEntries,
// the least valuable: unblocked before blocked, address blocks before
// account locks, older before newer. A flood of new names or addresses can
// thus push out old counts, but only a larger flood can push out a lock.
func (l *Logins) prune(recs map[loginKey]*loginRec, now time.Time) {
	for k, r := range recs {
		if r.live(now, l.opt.Lock) == nil {
			delete(recs, k)
		}
	}
	over := len(recs) - l.opt.MaxEntries
	if over <= 0 {
		return
	}
	keys := make([]loginKey, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	rank := func(k loginKey) int {
		r := recs[k]
		switch {
		case !r.blocked(now):
			return 0
		case k.kind != kindAccount:
			return 1
		}
		return 2
	}
	slices.SortFunc(keys, func(a, b loginKey) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return recs[a].start.Compare(recs[b].start)
	})
	for _, k := range keys[:over] {
		delete(recs, k)
	}
}
