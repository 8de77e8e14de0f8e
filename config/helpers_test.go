package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testEnv is a hermetic Env: two empty folders and a fixed host name.
func testEnv(t *testing.T) Env {
	t.Helper()
	return Env{Cwd: t.TempDir(), ExeDir: t.TempDir(), Hostname: func() (string, error) { return "testhost", nil }}
}

// loadText writes text as mailq.ini in a fresh folder and loads it with the
// given switches.
func loadText(t *testing.T, text string, args ...string) (*Config, error) {
	t.Helper()
	env := testEnv(t)
	if err := os.WriteFile(filepath.Join(env.Cwd, "mailq.ini"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := ParseArgs(args)
	if err != nil {
		t.Fatalf("ParseArgs(%q): %v", args, err)
	}
	return Load(inv, env)
}

// mustLoad is loadText that fails the test on an error.
func mustLoad(t *testing.T, text string, args ...string) *Config {
	t.Helper()
	c, err := loadText(t, text, args...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// loadSwitches applies args to the built-in defaults (/NOINI).
func loadSwitches(t *testing.T, args ...string) *Config {
	t.Helper()
	inv, err := ParseArgs(append([]string{"/NOINI"}, args...))
	if err != nil {
		t.Fatalf("ParseArgs(%q): %v", args, err)
	}
	c, err := Load(inv, testEnv(t))
	if err != nil {
		t.Fatalf("Load(%q): %v", args, err)
	}
	return c
}

// loadData runs the loader on data as if it were mailq.ini in base,
// without touching the disk.
func loadData(data []byte, base string, inv *Invocation) (*Config, error) {
	ld := newLoader(inv.Mode, base)
	ld.file = "mailq.ini"
	if data != nil {
		ld.c.INIPath, ld.c.INIFound = filepath.Join(base, "mailq.ini"), true
	}
	env := Env{Cwd: base, Hostname: func() (string, error) { return "testhost", nil }}
	return ld.load(inv, env, data)
}

func hasWarning(c *Config, part string) bool {
	for _, w := range c.Warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// render writes every field of c, one "Section.Field = value" a line, with
// base replaced by $BASE, so that golden files show the effective
// configuration and survive new fields.
func render(c *Config, base string) string {
	var lines []string
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		switch {
		case v.Type() == reflect.TypeOf(time.Duration(0)):
			lines = append(lines, fmt.Sprintf("%s = %v", prefix, v.Interface()))
		case v.Kind() == reflect.Int && v.Type().Implements(reflect.TypeOf((*fmt.Stringer)(nil)).Elem()):
			lines = append(lines, fmt.Sprintf("%s = %d (%v)", prefix, v.Int(), v.Interface()))
		case v.Kind() == reflect.Struct && v.Type().Implements(reflect.TypeOf((*fmt.Stringer)(nil)).Elem()):
			lines = append(lines, fmt.Sprintf("%s = %v", prefix, v.Interface()))
		case v.Kind() == reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if !v.Type().Field(i).IsExported() {
					continue // bookkeeping, not a setting
				}
				walk(strings.TrimPrefix(prefix+"."+v.Type().Field(i).Name, "."), v.Field(i))
			}
		case v.Kind() == reflect.Slice:
			if v.Len() == 0 {
				lines = append(lines, prefix+" = (none)")
			}
			for i := 0; i < v.Len(); i++ {
				walk(fmt.Sprintf("%s[%d]", prefix, i), v.Index(i))
			}
		case v.Kind() == reflect.Map:
			keys := v.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			if len(keys) == 0 {
				lines = append(lines, prefix+" = (none)")
			}
			for _, k := range keys {
				walk(fmt.Sprintf("%s[%s]", prefix, k), v.MapIndex(k))
			}
		case v.Kind() == reflect.String:
			// Paths are shown from $BASE with slashes, so that one golden
			// file serves Windows too.
			s := v.String()
			if base != "" {
				s = strings.ReplaceAll(s, base, "$BASE")
			}
			lines = append(lines, fmt.Sprintf("%s = %q", prefix, filepath.ToSlash(s)))
		default:
			lines = append(lines, fmt.Sprintf("%s = %v", prefix, v.Interface()))
		}
	}
	walk("", reflect.ValueOf(*c))
	out := strings.Join(lines, "\n") + "\n"
	if base != "" {
		out = strings.ReplaceAll(out, base, "$BASE")
	}
	return out
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (- want, + got; go test -update rewrites it):\n%s", path, diff(string(want), got))
	}
}

// diff is a line diff of a and b (longest common subsequence).
func diff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&out, "+ %s\n", y[j])
			j++
		default:
			fmt.Fprintf(&out, "- %s\n", x[i])
			i++
		}
	}
	return out.String()
}

// validConfig checks the invariants every loaded Config keeps, whatever the
// input: the properties the fuzz targets assert.
func validConfig(c *Config) error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.SMTP.Port >= 0 && c.SMTP.Port <= 65535, "SMTP port %d", c.SMTP.Port)
	check(c.POP.Port >= 0 && c.POP.Port <= 65535, "POP port %d", c.POP.Port)
	for _, n := range []int{c.SMTP.Threads, c.POP.Threads, c.MXA.Workers} {
		check(n >= 1 && n <= maxThreads, "thread count %d", n)
	}
	check(c.SMTP.Mode >= SMTPModeHELO && c.SMTP.Mode <= SMTPModeBoth, "SMTP mode %d", c.SMTP.Mode)
	check(c.SMTP.Relay >= RelayOff && c.SMTP.Relay <= RelayOpen, "relay %d", c.SMTP.Relay)
	check(c.Log.Level >= LogOff && c.Log.Level <= LogDebug, "log level %d", c.Log.Level)
	check(c.SMTP.MaxMessageSize > 0 && c.SMTP.MaxMessageSize <= maxSizeLimit, "size %d", c.SMTP.MaxMessageSize)
	check(c.SMTP.MaxRecipients >= 1 && c.SMTP.MaxHops >= 1, "recipients %d hops %d", c.SMTP.MaxRecipients, c.SMTP.MaxHops)
	check(c.Server.Timeout >= time.Second && c.Server.Nice >= time.Millisecond, "timeout %v nice %v", c.Server.Timeout, c.Server.Nice)
	check(c.MXA.Expiry >= time.Minute && c.MXA.RetryInterval >= time.Second, "expiry %v retry %v", c.MXA.Expiry, c.MXA.RetryInterval)
	check(c.Server.HostName != "", "no host name")
	check(c.Abuse.HELOCheck == "off" || c.Abuse.HELOCheck == "tag" || c.Abuse.HELOCheck == "refuse", "HELOCheck %q", c.Abuse.HELOCheck)
	check(len(c.LocalMX) <= maxLocalMX, "%d LocalMX entries", len(c.LocalMX))
	check(c.Paths.checkDistinct() == nil, "paths not distinct")
	for _, r := range table {
		if p := r.path; p != nil {
			check(filepath.IsAbs(*p.field(&c.Paths)) || c.BaseDir == "", "%s not absolute: %q", r.key, *p.field(&c.Paths))
		}
	}
	seen := map[string]bool{}
	for _, d := range c.Domains {
		check(d != "" && d == strings.ToLower(d) && !seen[d], "domain %q", d)
		seen[d] = true
	}
	for _, v := range append([]string{c.Server.Bind, c.Server.HostName, c.MXA.Gateway}, c.Domains...) {
		check(!strings.ContainsAny(v, " \t\r\n;"), "value %q holds a blank or ;", v)
	}
	return errors.Join(errs...)
}
