package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func init() {
	sampleKeyValues["SPFPolicy"] = "refuse"
	sampleKeyValues["DKIMPolicy"] = "mark"
	sampleKeyValues["DMARCPolicy"] = "honour"
	sampleValues["DKIMKEY"] = "example.com:sel:ed25519"
}

func TestDKIMSection(t *testing.T) {
	t.Parallel()
	ini := "[DKIM]\nExample.COM = Sel1, keys/example.key\nother.example = s2 , /abs/o.key\n"
	c, err := loadData([]byte(ini), absBase, &Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	want := []DKIMKey{
		{Domain: "example.com", Selector: "sel1", KeyFile: filepath.Join(absBase, "keys", "example.key")},
		{Domain: "other.example", Selector: "s2", KeyFile: filepath.Clean("/abs/o.key")},
	}
	if len(c.MsgAuth.DKIM) != 2 || c.MsgAuth.DKIM[0] != want[0] || c.MsgAuth.DKIM[1].Domain != want[1].Domain {
		t.Fatalf("[DKIM] = %+v, want %+v", c.MsgAuth.DKIM, want)
	}
	for _, bad := range []string{"example.com = sel", "example.com = , k.key", "bad_domain = s, k.key", "example.com = s_1, k.key"} {
		if _, err := loadData([]byte("[DKIM]\n"+bad+"\n"), absBase, &Invocation{}); err == nil || !strings.Contains(err.Error(), "[DKIM]") {
			t.Errorf("%q: err = %v, want a [DKIM] value error", bad, err)
		}
	}
}

func TestAuthPolicies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ini, err   string
		spf, dmarc string
	}{
		{ini: "SPFPolicy=Refuse\nDMARCPolicy=honor", spf: "refuse", dmarc: "honour"},
		{ini: "SPFPolicy=honour", err: "accept, mark, refuse or off"},
		{ini: "DMARCPolicy=maybe", err: "honour"},
	}
	for _, tc := range tests {
		c, err := loadData([]byte("[Config]\n"+tc.ini+"\n"), absBase, &Invocation{})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.ini, err, tc.err)
			}
			continue
		}
		if err != nil || c.MsgAuth.SPFPolicy != tc.spf || c.MsgAuth.DMARCPolicy != tc.dmarc {
			t.Errorf("%q: %+v, %v", tc.ini, c.MsgAuth, err)
		}
	}
}

func TestDKIMKeySwitch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arg  string
		want *DKIMKeyRequest
	}{
		{"/DKIMKEY:Example.com", &DKIMKeyRequest{Domain: "example.com", Selector: "mailq"}},
		{"/dkimkey:example.com:Jan2027", &DKIMKeyRequest{Domain: "example.com", Selector: "jan2027"}},
		{"/dkimkey:example.com:s:ed25519", &DKIMKeyRequest{Domain: "example.com", Selector: "s", Ed25519: true}},
		{"/dkimkey:example.com:s:dsa", nil},
		{"/dkimkey:not_a_domain", nil},
		{"/dkimkey:example.com:s:rsa:x", nil},
	}
	for _, tc := range tests {
		inv, err := ParseArgs([]string{tc.arg})
		if tc.want == nil {
			if err == nil {
				t.Errorf("%s: accepted", tc.arg)
			}
			continue
		}
		if err != nil || inv.DKIMKey == nil || *inv.DKIMKey != *tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.arg, inv, err, tc.want)
		}
	}
}
