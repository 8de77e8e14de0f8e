package config

import (
	"fmt"
	"path/filepath"
)

// pathSetting is one configurable path: its INI key, its field in Paths, and
// its default, a name under another path (or under the base folder when
// under is nil). The queue's sub-folders follow QueuePath and the users'
// files follow UserPath unless they are set themselves.
type pathSetting struct {
	section, key string
	field        func(*Paths) *string
	under        func(*Paths) string
	name         string
}

var pathSettings = []pathSetting{
	{"Config", "QueuePath", func(p *Paths) *string { return &p.Queue }, nil, "queue"},
	{"MXA", "ExternalPath", func(p *Paths) *string { return &p.External }, queueDir, "external"},
	{"MXA", "RetryPath", func(p *Paths) *string { return &p.Retry }, queueDir, "retry"},
	{"MXA", "SentPath", func(p *Paths) *string { return &p.Sent }, queueDir, "sent"},
	{"MXA", "FailedPath", func(p *Paths) *string { return &p.Failed }, queueDir, "failed"},
	{"Config", "BadPath", func(p *Paths) *string { return &p.Bad }, queueDir, "bad"},
	{"MDA", "UserPath", func(p *Paths) *string { return &p.Users }, nil, "users"},
	{"MDA", "UnknownPath", func(p *Paths) *string { return &p.Unknown }, usersDir, "unknown"},
	{"Config", "MotdFile", func(p *Paths) *string { return &p.Motd }, usersDir, "motd.txt"},
	{"Config", "LogPath", func(p *Paths) *string { return &p.Logs }, nil, "logs"},
	{"Config", "ScriptPath", func(p *Paths) *string { return &p.Scripts }, nil, "scripts"},
	{"Config", "IPBlockFile", func(p *Paths) *string { return &p.IPBlock }, nil, "ipblock.txt"},
	{"Config", "SMTPLockFile", func(p *Paths) *string { return &p.SMTPLock }, nil, "smtpserver.lck"},
	{"Config", "POPLockFile", func(p *Paths) *string { return &p.POPLock }, nil, "popserver.lck"},
	{"Config", "WebLockFile", func(p *Paths) *string { return &p.WebLock }, nil, "webserver.lck"},
	{"Config", "SinkLockFile", func(p *Paths) *string { return &p.SinkLock }, nil, "sinkserver.lck"},
	{"Config", "KeyFile", func(p *Paths) *string { return &p.KeyFile }, nil, "mailq.key"},
	{"Config", "POPBeforeSMTPFile", func(p *Paths) *string { return &p.POPBeforeSMTP }, nil, "popbeforesmtp.txt"},
	{"Config", "FailedLoginsFile", func(p *Paths) *string { return &p.FailedLogins }, nil, "failedlogins.txt"},
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
// Queue and Users before the paths that default under them.
func (p *Paths) fill(base string) {
	for _, s := range pathSettings {
		f := s.field(p)
		if *f != "" {
			continue
		}
		parent := base
		if s.under != nil {
			parent = s.under(p)
		}
		*f = filepath.Join(parent, s.name)
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
	seen := map[string]pathSetting{}
	for _, s := range pathSettings {
		v := *s.field(p)
		if prev, ok := seen[v]; ok {
			return fmt.Errorf("mailq: [%s] %s and [%s] %s both name %s; give each its own path",
				prev.section, prev.key, s.section, s.key, v)
		}
		seen[v] = s
	}
	return nil
}
