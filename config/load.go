package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/ini.v1"
)

// Env is what Load needs from the process, passed in so that tests are
// hermetic.
type Env struct {
	Cwd    string // the current folder (absolute)
	ExeDir string // the folder holding the program (absolute)
	// Hostname names this machine when HostName is not set.
	Hostname func() (string, error)
}

// ValueError is a value Load refuses: the file, section, key and value, and
// what was expected.
type ValueError struct {
	File, Section, Key, Value string
	Err                       error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: [%s] %s=\"%s\": %v", e.File, e.Section, e.Key, e.Value, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// loader carries the state of one Load.
type loader struct {
	c        *Config
	file     string // the INI's name in messages
	base     string // BaseDir: relative INI paths resolve against it
	warnings []string

	given map[*row]keyRef   // the spelling that set a setting first
	seen  map[string]string // list section entry -> the key that set it
}

func (ld *loader) warn(format string, args ...any) {
	ld.warnings = append(ld.warnings, ld.file+": "+fmt.Sprintf(format, args...))
}

func (ld *loader) warnKey(sec, key, msg string) { ld.warn("[%s] %s: %s", sec, key, msg) }

func (ld *loader) valueErr(sec, key, value string, err error) error {
	return &ValueError{File: ld.file, Section: sec, Key: key, Value: value, Err: err}
}

// Load builds the Config of one run: Default(), then the INI file, then the
// switches in inv.
//
// The INI file is the one named by /INI (relative to env.Cwd; it must
// exist), else mailq.ini in env.Cwd, else mailq.ini in env.ExeDir. When
// there is none, the built-in quick-start settings (QuickStartINI) are read
// instead, INIFound is false and INIPath is mailq.ini in the program's folder
// (see home), where account commands create the file. With /NOINI only the defaults and the switches
// count, and BaseDir is env.Cwd.
func Load(inv *Invocation, env Env) (*Config, error) {
	if inv == nil {
		inv = &Invocation{}
	}
	ld := newLoader(inv.Mode, env.Cwd)
	if inv.NoINI {
		return ld.load(inv, env, nil)
	}
	path, data, found, err := findINI(inv, env)
	if err != nil {
		return nil, err
	}
	ld.c.INIPath, ld.c.INIFound = path, found
	ld.base = filepath.Dir(path)
	ld.file = displayName(path, env.Cwd)
	if !found {
		// No warning: the summary's first line says so where a server
		// starts, and account commands say that they create the file.
		ld.file, data = "quick-start settings", QuickStartINI
	}
	if data == nil {
		data = []byte{}
	}
	return ld.load(inv, env, data)
}

func newLoader(mode Mode, base string) *loader {
	c := Default()
	c.Mode = mode
	c.Paths = Paths{}
	return &loader{c: c, file: "mailq", base: base, given: map[*row]keyRef{}, seen: map[string]string{}}
}

// load reads data as the INI file (none if data is nil), then applies the
// switches and finishes the Config.
func (ld *loader) load(inv *Invocation, env Env, data []byte) (*Config, error) {
	if data != nil {
		if err := ld.readINI(data); err != nil {
			return nil, err
		}
	}
	ld.c.BaseDir = ld.base
	for _, set := range inv.sets {
		set(ld, env.Cwd)
	}
	if err := ld.finish(env); err != nil {
		return nil, err
	}
	ld.c.Warnings = append(ld.warnings, inv.Warnings...)
	return ld.c, nil
}

// findINI returns the path and contents of the INI file to read, or the path
// where it would be and found=false.
func findINI(inv *Invocation, env Env) (path string, data []byte, found bool, err error) {
	if inv.INI != "" {
		path = inv.INI
		path = underBase(env.Cwd, path)
		data, err = readINIFile(path)
		if err != nil {
			return "", nil, false, fmt.Errorf("mailq: /INI:%s: %w", inv.INI, err)
		}
		return path, data, true, nil
	}
	for _, dir := range []string{env.Cwd, env.ExeDir} {
		if dir == "" {
			continue
		}
		path = filepath.Join(dir, "mailq.ini")
		data, err = readINIFile(path)
		if err == nil {
			return path, data, true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", nil, false, fmt.Errorf("mailq: %w", err)
		}
	}
	return filepath.Join(home(env), "mailq.ini"), nil, false, nil
}

// home is the folder of a run that found no mailq.ini: the program's own
// folder, as in the original (the stick's folder, whatever the current folder
// is), so that "run/mailq /adduser" and a server started from run/ agree. A
// binary that "go run" placed in a temporary build folder uses the current
// folder instead.
func home(env Env) string {
	if env.ExeDir == "" || isGoRunDir(env.ExeDir) {
		return env.Cwd
	}
	return env.ExeDir
}

func isGoRunDir(dir string) bool {
	tmp := filepath.Clean(os.TempDir())
	rel, err := filepath.Rel(tmp, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false
	}
	first := strings.Split(filepath.ToSlash(rel), "/")[0]
	return strings.HasPrefix(first, "go-build")
}

func readINIFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxINISize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, nil
}

// displayName is path relative to cwd when it lies below it ("mailq.ini"),
// else the full path.
func displayName(path, cwd string) string {
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// Canonical section names, by their lower-case form.
var sectionNames = map[string]string{
	"config": "Config", "domains": "Domains", "mda": "MDA", "mxa": "MXA",
	"localmx": "LocalMX", "emailalias": "EmailAlias", "scripts": "Scripts",
	"dnsbl": "DNSBL", "relayips": "RelayIPs",
	"dkim":  "DKIM",
	"chaos": "Chaos", // chaos.go
	// Not ours: [IPConfig] is written by the original program; [Users] and
	// [Pop-Locked] belong to the accounts package.
	"ipconfig": "IPConfig", "users": "Users", "pop-locked": "Pop-Locked",
}

// ignoredSections are read by other packages or by nobody.
var ignoredSections = map[string]bool{"ipconfig": true, "users": true, "pop-locked": true}

// readINI reads the file into ld.c.
func (ld *loader) readINI(data []byte) error {
	f, p, err := parseINI(data)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			se.File = ld.file
		}
		return err
	}
	if err := ld.checkRepeats(p); err != nil {
		return err
	}
	for _, k := range p.keys {
		if k.section == "" {
			ld.warn("line %d: %s comes before any [section] and is ignored", k.line, k.key)
		}
	}
	for _, s := range f.Sections() {
		if err := ld.readSection(s, p); err != nil {
			return err
		}
	}
	return nil
}

// checkRepeats warns about a key set twice in its section (the library keeps
// the last value) and refuses a second system script.
func (ld *loader) checkRepeats(p *prepared) error {
	for _, r := range p.repeats {
		first, again := r[0], r[1]
		sec := strings.ToLower(again.section)
		if ignoredSections[sec] || sec == "" {
			continue
		}
		if sec == "scripts" && again.key == "*" {
			return fmt.Errorf("%s:%d: [Scripts] a second * script (the first is on line %d); only one system script is allowed",
				ld.file, again.line, first.line)
		}
		ld.warn("line %d: [%s] %s is set again (first on line %d); the value on line %d counts",
			again.line, again.section, again.key, first.line, again.line)
	}
	return nil
}

func (ld *loader) readSection(s *ini.Section, p *prepared) error {
	lower := s.Name()
	name, known := sectionNames[lower]
	switch {
	case ignoredSections[lower]:
		return nil
	case lower == strings.ToLower(ini.DefaultSection) && len(s.Keys()) == 0:
		return nil // the library's unnamed section, empty
	case !known:
		written := p.spelling[lower]
		msg := fmt.Sprintf("unknown section [%s]; its keys are ignored", written)
		if hint := closest(written, sectionList()); hint != "" {
			msg += fmt.Sprintf("; did you mean [%s]?", hint)
		}
		ld.warn("%s", msg)
		return nil
	}
	for _, k := range s.Keys() {
		v := k.String()
		if strings.ContainsAny(v, "\n") {
			// prepareINI cuts every value at its line's end; guard anyway.
			return ld.valueErr(name, k.Name(), v, expected("a value on one line"))
		}
		written := p.spelling[spellingKey(lower, k.Name())]
		if written == "" {
			written = k.Name()
		}
		if err := ld.readKey(name, written, v); err != nil {
			return err
		}
	}
	return nil
}

// readKey stores one key of section sec (canonical name).
func (ld *loader) readKey(sec, key, v string) error {
	k, ok := keyIndex[spellingKey(sec, key)]
	if !ok {
		if list, ok := listReaders[sec]; ok {
			return list(ld, key, v)
		}
		ld.unknownKey(sec, key)
		return nil
	}
	if !k.r.text {
		v = cutComment(v)
	}
	if v == "" {
		return nil // an empty value leaves the default
	}
	return ld.setKey(k, v)
}

// finish fills what neither the file nor the switches set and checks the
// settings against each other.
func (ld *loader) finish(env Env) error {
	c := ld.c
	if c.Server.HostName == "" {
		c.Server.HostName = fallbackHostName(env)
		ld.warn("[Config] HostName is not set; using %s (set it to the name this server's address resolves to)",
			c.Server.HostName)
	}
	c.Paths.fill(ld.base)
	if err := c.Paths.checkDistinct(); err != nil {
		return err
	}
	ld.finishCapture()
	if err := c.finishTLS(ld.base); err != nil {
		return err
	}
	if c.Mode == ModePOP || c.Mode == ModeWeb || c.Mode == ModeSink {
		// The agents run only in the SMTP instance.
		c.MDA.Enabled, c.MXA.Enabled = false, false
	} else if c.POP.RPOP {
		// The POP3 instance refuses to start with it (it trusts a client's
		// word for who it is); say so where the SMTP instance starts too.
		ld.warn("[Config] POPRPOPEnabled=True (/RPOP) is not supported: the POP3 instance will refuse to start; use APOP or USER/PASS")
	}
	if c.MXA.Enabled {
		switch {
		case c.MXA.MX == MXGateway && c.MXA.Gateway == "":
			return errors.New("mailq: MX mode Gateway needs a gateway host: set [MXA] Gateway=host[:port] or use /GATEWAY:host")
		case c.MXA.MX == MXLocal && len(c.LocalMX) == 0:
			ld.warn("[MXA] MX=Local but [LocalMX] has no entries; external mail cannot be routed")
		case c.MXA.MX == MXNone:
			ld.warn("[MXA] the MXA is enabled but MX is not set (Gateway, Local or Remote); external mail waits in the queue")
		}
	}
	if c.SMTP.Relay == RelayOpen {
		ld.warn("[Config] SMTPRelay=3 makes an open relay: anyone can send mail anywhere through this server")
	}
	if c.Abuse.DNSBLEnabled && len(c.DNSBL) == 0 {
		ld.warn("[Config] DNSBLEnabled=True but [DNSBL] lists no zones; nothing is looked up")
	}
	return ld.checkAliasLoops()
}

func fallbackHostName(env Env) string {
	if env.Hostname != nil {
		if h, err := env.Hostname(); err == nil {
			if name, err := parseHostName(h); err == nil {
				return name
			}
		}
	}
	return "localhost"
}
