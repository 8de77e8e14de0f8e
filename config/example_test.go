package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// In mailq.ini.example a setting shown but not active is written with the
// ';' directly before the key: ";SMTPRelayLevel=1".
var commentedSetting = regexp.MustCompile(`(?m)^;([A-Za-z*][^=\s]*=)`)

func readExample(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "mailq.ini.example"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestExampleMatchesLoader checks that mailq.ini.example mentions every key
// the loader knows, spelled as the loader spells it, and nothing else.
func TestExampleMatchesLoader(t *testing.T) {
	t.Parallel()
	data := readExample(t)
	all := commentedSetting.ReplaceAll(data, []byte("$1"))
	p, err := prepareINI(all)
	if err != nil {
		t.Fatalf("mailq.ini.example with its examples active: %v", err)
	}
	mentioned := map[string]bool{}
	sections := map[string]bool{}
	for _, k := range p.keys {
		mentioned[k.section+" "+k.key] = true
		sections[k.section] = true
	}
	for _, k := range iniKeys() {
		if !mentioned[k.sec+" "+k.name] {
			t.Errorf("mailq.ini.example does not mention [%s] %s", k.sec, k.name)
		}
	}
	for lower, name := range sectionNames {
		if !ignoredSections[lower] && !sections[name] {
			t.Errorf("mailq.ini.example has no [%s] entry", name)
		}
	}
	c, err := loadData(all, absBase, &Invocation{})
	if err != nil {
		t.Fatalf("mailq.ini.example with its examples active: %v", err)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "not a known key") || strings.Contains(w, "unknown section") {
			t.Errorf("mailq.ini.example: %s", w)
		}
	}
}

// exampleQuickStart are the lines mailq.ini.example sets to quick-start
// values, so that a copy of it starts without administrator rights and with
// logging on; every other active line shows the built-in default.
var exampleQuickStart = []struct {
	section, key, value, def string
	same                     func(a, b *Config) bool // the example's value is the quick-start one
}{
	{"Config", "Bind", "127.0.0.1", "*", func(a, b *Config) bool { return a.Server.Bind == b.Server.Bind }},
	{"Config", "LogLevel", "1", "0", func(a, b *Config) bool { return a.Log.Level == b.Log.Level }},
	{"Config", "SMTPPort", "2525", "25", func(a, b *Config) bool { return a.SMTP.Port == b.SMTP.Port }},
	{"Config", "SMTPRelay", "2", "1", func(a, b *Config) bool { return a.SMTP.Relay == b.SMTP.Relay }},
	{"Config", "POPPort", "1100", "110", func(a, b *Config) bool { return a.POP.Port == b.POP.Port }},
	{"MDA", "Enabled", "True", "False", func(a, b *Config) bool { return a.MDA.Enabled == b.MDA.Enabled }},
}

// exampleLines calls f with each line of data and the section it is in.
func exampleLines(data []byte, f func(section, line string) string) []byte {
	var out []string
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(strings.TrimSpace(line), "[]")
		}
		out = append(out, f(section, line))
	}
	return []byte(strings.Join(out, "\n"))
}

// TestExampleShowsDefaults checks the promise at the top of
// mailq.ini.example: apart from the quick-start lines, each of which names
// the default beside it, loading it changes nothing.
func TestExampleShowsDefaults(t *testing.T) {
	t.Parallel()
	base := absBase
	found := map[int]bool{}
	defaults := exampleLines(readExample(t), func(section, line string) string {
		for i, q := range exampleQuickStart {
			if section != q.section || !strings.HasPrefix(line, q.key+"=") {
				continue
			}
			found[i] = true
			if !strings.HasPrefix(line, q.key+"="+q.value+"  ; quick start") {
				t.Errorf("[%s] %q: want %s=%s marked \"; quick start\"", section, line, q.key, q.value)
			}
			if !strings.Contains(line, "Default") || !strings.HasSuffix(line, ": "+q.def) {
				t.Errorf("[%s] %q does not name the default %s", section, line, q.def)
			}
			return q.key + "=" + q.def
		}
		return line
	})
	for i, q := range exampleQuickStart {
		if !found[i] {
			t.Errorf("mailq.ini.example has no [%s] %s line", q.section, q.key)
		}
	}
	c, err := loadData(defaults, base, &Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadData(nil, base, &Invocation{NoINI: true})
	if err != nil {
		t.Fatal(err)
	}
	c.INIPath, c.INIFound = "", false
	if got, want := render(c, base), render(d, base); got != want {
		t.Errorf("mailq.ini.example, quick-start lines set to their defaults, differs from the defaults (- defaults, + example):\n%s", diff(want, got))
	}
}

// TestExampleFirstRun: a copy of mailq.ini.example starts like the
// quick-start settings (loopback, ports above 1023, logging on, MDA on)
// instead of failing on a privileged port or running silently, and warns
// only that HostName is not set.
func TestExampleFirstRun(t *testing.T) {
	t.Parallel()
	base := filepath.FromSlash("/base")
	c, err := loadData(readExample(t), base, &Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := loadData(QuickStartINI, base, &Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range exampleQuickStart {
		if !x.same(c, q) {
			t.Errorf("[%s] %s: the example's value is not the quick-start one", x.section, x.key)
		}
	}
	if c.SMTP.Port < 1024 || c.POP.Port < 1024 || c.Log.Level == LogOff || c.Server.Bind != "127.0.0.1" {
		t.Errorf("a copy of the example needs rights or is silent: ports %d/%d, log %v, bind %q", c.SMTP.Port, c.POP.Port, c.Log.Level, c.Server.Bind)
	}
	for _, w := range c.Warnings {
		if !strings.Contains(w, "HostName is not set") {
			t.Errorf("warning: %s", w)
		}
	}
	// It has no domain: start-up says so, and how to set one.
	if w := c.DomainWarnings(nil); len(w) != 1 || !strings.Contains(w[0], "HostDomain=") {
		t.Errorf("domain warnings of the example: %q", w)
	}
}

// TestExampleMatchesTable checks mailq.ini.example against the table of
// settings: each setting is there with its built-in default as its active
// value (the quick-start lines excepted, whose comment names the default);
// a setting whose default is empty, a second spelling, and a setting whose
// default depends on the mode (modeDefault) may instead be shown commented
// out with an example value.
// modeDefault are the settings whose default another setting changes: an
// active line in the example would pin them (Durable is False in capture
// mode unless set).
var modeDefault = map[string]bool{spellingKey("Config", "Durable"): true}

func TestExampleMatchesTable(t *testing.T) {
	t.Parallel()
	f, p, err := parseINI(readExample(t))
	if err != nil {
		t.Fatal(err)
	}
	active := map[string]bool{}
	for _, k := range p.keys {
		active[spellingKey(k.section, k.key)] = true
	}
	all := commentedSetting.ReplaceAll(readExample(t), []byte("$1"))
	pAll, err := prepareINI(all)
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, k := range pAll.keys {
		shown[spellingKey(k.section, k.key)] = true
	}
	quick := map[string]string{}
	for _, q := range exampleQuickStart {
		quick[spellingKey(q.section, q.key)] = q.def
	}
	for _, k := range iniKeys() {
		sk := spellingKey(k.sec, k.name)
		switch {
		case !shown[sk]:
			t.Errorf("[%s] %s is not in mailq.ini.example", k.sec, k.name)
		case !active[sk] && !k.alias && k.r.def != "" && !modeDefault[sk]:
			t.Errorf("[%s] %s is commented out in mailq.ini.example; show it with its default %s=%s", k.sec, k.name, k.name, k.r.def)
		case active[sk]:
			v := f.Section(k.sec).Key(k.name).String()
			if !k.r.text {
				v = cutComment(v)
			}
			want := k.r.def
			if def, ok := quick[sk]; ok {
				v = def // the comment's default, checked by TestExampleShowsDefaults
			}
			if !sameValue(k.r, v, want) {
				t.Errorf("mailq.ini.example: [%s] %s=%s; the built-in default is %q", k.sec, k.name, v, want)
			}
		}
	}
}

// sameValue reports whether a and b read as the same value of r.
func sameValue(r *row, a, b string) bool {
	read := func(v string) string {
		c := &Config{}
		if v != "" {
			if _, err := r.set(c, absBase, v); err != nil {
				return "error: " + err.Error()
			}
		}
		return r.cur(c)
	}
	return read(a) == read(b)
}
