package config

import (
	"strings"
	"testing"
)

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

// TestSummaryLines covers the summary lines the golden files do not.
func TestSummaryLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ini  string
		args []string
		want string
	}{
		{"[Config]\nAutoBan=5\nAutoBanMinutes=90", nil, "Auto-ban: after 5 failed login(s), for 90 minutes"},
		{"[Config]\nAutoBan=0", nil, "Auto-ban: off"},
		{"[Config]\nFirstCommandTimeout=0", nil, "First command within: Timeout (FirstCommandTimeout=0)"},
		{"[MDA]\nEnabled=True\nMaxUnknownFolders=0", nil, "Unknown user folders: no bound"},
		{"[Config]\nDNSBLEnabled=True\n[DNSBL]\nItem1=zen.example", nil, "DNSBL: on, 1 zone(s)"},
		{"[Config]\nSMTPDetectMessageLoops=False", nil, "Detect loops: off"},
		{"[Config]\nMotd=True", []string{"/POP"}, "Message of the day: on"},
		{"[Config]\nWebAdmins=a@x.test", []string{"/WEB"}, "Web administrators: a@x.test"},
		{"", []string{"/TEST", "/DEBUG"}, "Test mode: no mail is written or sent\nDebug mode: on"},
		{"[MXA]\nEnabled=True\nMX=Local", nil, "MX mode: Local, 0 local MX record(s)"},
	} {
		c := mustLoad(t, tc.ini, tc.args...)
		if got := strings.Join(c.Summary(), "\n"); !strings.Contains(got, tc.want) {
			t.Errorf("%q %q: summary lacks %q:\n%s", tc.ini, tc.args, tc.want, got)
		}
	}
}
