package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDomainWarnings(t *testing.T) {
	t.Parallel()
	base := filepath.FromSlash("/base")
	for _, tc := range []struct {
		name     string
		ini      string
		pop      bool
		accounts []string
		want     []string // one entry per warning: parts it must contain
	}{
		{name: "copied example: no domains at all", ini: string(readExample(t)),
			accounts: []string{"a@localhost"},
			want:     []string{"no local domains|HostDomain|[Domains] is empty|no mail is delivered to a mailbox"}},
		{name: "no domains, no accounts", ini: "[Config]\nHostName=h\n",
			want: []string{"no local domains"}},
		{name: "quick-start, all accounts served", ini: string(QuickStartINI),
			accounts: []string{"a@localhost", "B@LocalHost.COM"}},
		{name: "quick-start, two accounts elsewhere", ini: string(QuickStartINI),
			accounts: []string{"a@localhost", "b@example.com", "c@example.org", "d@example.com"},
			want: []string{
				"accounts b@example.com, d@example.com|example.com is not a local domain (localhost, localhost.com)|their mail|Domain3=example.com",
				"account c@example.org|its mail|Domain3=example.org",
			}},
		{name: "numbering gap: next key after the highest", ini: "[Config]\nHostName=h\n[Domains]\nDomain1=a.test\nDomain7=b.test\nDomain9=\n",
			accounts: []string{"x@c.test"}, want: []string{"Domain10=c.test"}},
		{name: "address literal", ini: "[Config]\nHostName=h\n[Domains]\nDomain1=127.0.0.1\n",
			accounts: []string{"x@[127.0.0.1]", "y@[127.0.0.2]"}, want: []string{"account y@[127.0.0.2]|[127.0.0.2] is not|Domain2=127.0.0.2 under"}},
		{name: "POP3 instance: not its business", ini: "[Config]\nHostName=h\n", pop: true, accounts: []string{"a@b.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inv := &Invocation{}
			if tc.pop {
				inv.Mode = ModePOP
			}
			c, err := loadData([]byte(tc.ini), base, inv)
			if err != nil {
				t.Fatal(err)
			}
			got := c.DomainWarnings(tc.accounts)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d warnings, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				for _, part := range strings.Split(w, "|") {
					if !strings.Contains(got[i], part) {
						t.Errorf("warning %d lacks %q:\n%s", i, part, got[i])
					}
				}
			}
		})
	}
}
