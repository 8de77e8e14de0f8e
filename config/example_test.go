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
	for _, k := range keySpecs {
		if !mentioned[k.section+" "+k.name] {
			t.Errorf("mailq.ini.example does not mention [%s] %s", k.section, k.name)
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

// TestExampleShowsDefaults checks the promise at the top of
// mailq.ini.example: loading it as it is changes nothing.
func TestExampleShowsDefaults(t *testing.T) {
	t.Parallel()
	base := absBase
	c, err := loadData(readExample(t), base, &Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadData(nil, base, &Invocation{NoINI: true})
	if err != nil {
		t.Fatal(err)
	}
	c.INIPath, c.INIFound = "", false
	if got, want := render(c, base), render(d, base); got != want {
		t.Errorf("mailq.ini.example differs from the defaults (- defaults, + example):\n%s", diff(want, got))
	}
}
