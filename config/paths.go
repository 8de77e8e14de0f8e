package config

import (
	"fmt"
	"path/filepath"
)

// pathDefault is the default of a configurable path: a name under another
// path, or under the base folder when under is nil. The queue's sub-folders
// follow QueuePath and the users' files follow UserPath unless they are set
// themselves.
type pathDefault struct {
	field func(*Paths) *string
	under func(*Paths) string
	name  string
}

// pathKey is the row of a path: relative values are relative to the INI's
// folder; the default (written in mailq.ini.example when under is nil) is
// filled in by fill once the INI and the switches are read.
func pathKey(sec, name string, field func(*Paths) *string, under func(*Paths) string, def string) entry[string] {
	e := fileKey(sec, name, func(c *Config) *string { return field(&c.Paths) })
	e.path = &pathDefault{field: field, under: under, name: def}
	if under == nil {
		e.def = def
	}
	return e
}

// fileKey is a file setting without a default (TLSCert): resolved like a
// path, "" when not set.
func fileKey(sec, name string, f func(*Config) *string) entry[string] {
	e := key(sec, name, "", textK, f)
	e.set = func(c *Config, base, v string) (string, error) {
		p, err := resolvePath(base, v)
		if err == nil {
			*f(c) = p
		}
		return "", err
	}
	return e
}

func queueDir(p *Paths) string { return p.Queue }
func usersDir(p *Paths) string { return p.Users }

// DefaultPaths returns the tree under base with every path at its default:
// base/queue, base/queue/external, ..., base/users, base/logs, ... Tests of
// other packages use DefaultPaths(t.TempDir()).
func DefaultPaths(base string) Paths {
	var p Paths
	p.fill(base)
	return p
}

// fill sets every empty path to its default under base. The table lists
// QueuePath and UserPath before the paths that default under them.
func (p *Paths) fill(base string) {
	for _, r := range table {
		s := r.path
		if s == nil || *s.field(p) != "" {
			continue
		}
		parent := base
		if s.under != nil {
			parent = s.under(p)
		}
		*s.field(p) = filepath.Join(parent, s.name)
	}
}

// resolvePath reads a configured path: Windows separators are accepted, and
// a relative path is taken relative to base. "" stays "" (the default).
func resolvePath(base, v string) (string, error) {
	n, err := nativePath(v)
	if err != nil || n == "" {
		return "", err
	}
	return filepath.Clean(underBase(base, n)), nil
}

// checkDistinct refuses two settings that name the same file or folder: the
// queue would then file mail into its own input, or a lock file would be a
// mailbox.
func (p *Paths) checkDistinct() error {
	seen := map[string]row{}
	for _, r := range table {
		if r.path == nil {
			continue
		}
		v := *r.path.field(p)
		if prev, ok := seen[v]; ok {
			return fmt.Errorf("mailq: [%s] %s and [%s] %s both name %s; give each its own path",
				prev.sec, prev.key, r.sec, r.key, v)
		}
		seen[v] = r
	}
	return nil
}
