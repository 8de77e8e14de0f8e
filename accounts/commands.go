package accounts

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"mailq/inifile"
)

// Options say where the account commands find their files.
type Options struct {
	INI string // mailq.ini
	Key string // mailq.key
	// Template is the content of a new mailq.ini, used when INI does not
	// exist yet; nil starts from an empty file.
	Template []byte
}

// Add creates the account addr with password. It fails with ErrAddress,
// ErrNewPassword, ErrExists (addresses are compared without case) or ErrNoKey;
// on any error mailq.ini is left as it was. The first account creates
// mailq.key, and mailq.ini from Options.Template if needed.
func Add(o Options, addr, password string) error {
	a, err := canonical(addr)
	if err != nil {
		return err
	}
	if err := checkNewPassword(a, password); err != nil {
		return err
	}
	return inifile.Edit(o.INI, sectionUsers, o.Template, func(es []inifile.Entry) ([]inifile.Entry, error) {
		if len(matching(es, a)) > 0 {
			return nil, fmt.Errorf("%w: %s (use /SETPASS to change its password)", ErrExists, a)
		}
		key, err := loadKey(o.Key, countSealed(es))
		if err != nil {
			return nil, err
		}
		v, err := seal(key, a, password)
		if err != nil {
			return nil, err
		}
		return append(es, inifile.Entry{Key: a, Value: v}), nil
	})
}

// SetPassword replaces the password of the account addr, including one
// stored by the original MailQ. It fails with ErrUnknown, ErrNewPassword or
// ErrNoKey, leaving mailq.ini as it was.
func SetPassword(o Options, addr, password string) error {
	a := strings.ToLower(addr)
	if err := checkNewPassword(a, password); err != nil {
		return err
	}
	return inifile.Edit(o.INI, sectionUsers, o.Template, func(es []inifile.Entry) ([]inifile.Entry, error) {
		idx := matching(es, a)
		if len(idx) == 0 {
			return nil, unknown(o, a)
		}
		sealed := countSealed(es)
		for _, i := range idx {
			if _, err := parseValue(es[i].Value); err == nil {
				sealed-- // about to be replaced: no reason to keep the old key
			}
		}
		key, err := loadKey(o.Key, sealed)
		if err != nil {
			return nil, err
		}
		for _, i := range idx {
			if es[i].Value, err = seal(key, a, password); err != nil {
				return nil, err
			}
		}
		return es, nil
	})
}

// Delete removes the account addr, and its [Pop-Locked] entry if any. It
// fails with ErrUnknown, leaving mailq.ini as it was. The mailbox folder is
// not touched.
func Delete(o Options, addr string) error {
	a := strings.ToLower(addr)
	err := inifile.Edit(o.INI, sectionUsers, o.Template, func(es []inifile.Entry) ([]inifile.Entry, error) {
		if len(matching(es, a)) == 0 {
			return nil, unknown(o, a)
		}
		return without(es, a), nil
	})
	if err != nil {
		return err
	}
	// A lock left behind would lock an account added again under this name.
	return inifile.Edit(o.INI, sectionLocked, nil, func(es []inifile.Entry) ([]inifile.Entry, error) {
		return without(es, a), nil
	})
}

// Unlock removes addr from [Pop-Locked]. wasLocked is false, and nothing is
// written, when the account exists but was not locked; an account that
// neither exists nor is locked gives ErrUnknown.
func Unlock(o Options, addr string) (wasLocked bool, err error) {
	a := strings.ToLower(addr)
	users, err := inifile.Read(o.INI, sectionUsers)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	known := len(matching(users, a)) > 0
	err = inifile.Edit(o.INI, sectionLocked, nil, func(es []inifile.Entry) ([]inifile.Entry, error) {
		for _, i := range matching(es, a) {
			wasLocked = wasLocked || isTrue(es[i].Value)
		}
		if !known && !wasLocked {
			return nil, unknown(o, a)
		}
		return without(es, a), nil
	})
	if err != nil {
		return false, err
	}
	return wasLocked, nil
}

func unknown(o Options, a string) error {
	return fmt.Errorf("%w: %s is not in [Users] of %s (add it with /ADDUSER)", ErrUnknown, a, o.INI)
}

// checkNewPassword refuses passwords no client could send: every account
// needs one, and NUL (the AUTH PLAIN separator, RFC 4616 §2), CR and LF
// cannot travel in a command line.
func checkNewPassword(a, pw string) error {
	switch {
	case pw == "":
		return fmt.Errorf("%w for %s: it is empty; every account needs a password", ErrNewPassword, a)
	case len(pw) > maxPassword:
		return fmt.Errorf("%w for %s: longer than %d bytes", ErrNewPassword, a, maxPassword)
	case strings.ContainsAny(pw, "\x00\r\n"):
		return fmt.Errorf("%w for %s: it contains NUL, CR or LF, which mail clients cannot send", ErrNewPassword, a)
	}
	return nil
}

// matching returns the indexes of the entries for a, without regard to case.
func matching(es []inifile.Entry, a string) []int {
	var idx []int
	for i, e := range es {
		if strings.EqualFold(e.Key, a) {
			idx = append(idx, i)
		}
	}
	return idx
}

func without(es []inifile.Entry, a string) []inifile.Entry {
	out := es[:0]
	for _, e := range es {
		if !strings.EqualFold(e.Key, a) {
			out = append(out, e)
		}
	}
	return out
}

// countSealed counts the values in mailq's format: they need the existing key.
func countSealed(es []inifile.Entry) int {
	n := 0
	for _, e := range es {
		if _, err := parseValue(e.Value); err == nil {
			n++
		}
	}
	return n
}
