package config

import "testing"

// TestDefaultsOtherPackagesName checks the constants other packages use
// against the table.
func TestDefaultsOtherPackagesName(t *testing.T) {
	t.Parallel()
	if got := Default().SMTP.MaxRecipients; got != DefaultMaxRecipients {
		t.Errorf("SMTPMaxRecipients defaults to %d, DefaultMaxRecipients is %d", got, DefaultMaxRecipients)
	}
}

// TestTableRows checks what the compiler cannot: every default reads, every
// key and switch is spelled once, and a switch-only row has a switch.
func TestTableRows(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, k := range iniKeys() {
		sk := spellingKey(k.sec, k.name)
		if seen[sk] {
			t.Errorf("[%s] %s is in the table twice", k.sec, k.name)
		}
		seen[sk] = true
		if k.r.def != "" && k.r.path == nil {
			if _, err := k.r.set(&Config{}, absBase, k.r.def); err != nil {
				t.Errorf("[%s] %s: default %q: %v", k.sec, k.name, k.r.def, err)
			}
		}
	}
	for _, r := range table {
		if r.key == "" && len(r.switches) == 0 {
			t.Errorf("a row with neither a key nor a switch: %+v", r)
		}
	}
}
