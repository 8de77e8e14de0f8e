package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestGroups(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "[Domains]\nDomain1=x.com\n[MDA]\nGroupsLocalSendersOnly=True\n[EmailAlias]\n"+
		"Item1=team@x.com, ann@x.com ,bob@x.com,sales@x.com,far@y.com\nItem2=sales@x.com,ann@x.com\n"+
		"Item3=all@x.com,team@x.com,ops@x.com\nItem4=ops@x.com,bob@x.com,cid@x.com\n")
	want := Alias{From: "team@x.com", To: "ann@x.com", Also: []string{"bob@x.com", "sales@x.com", "far@y.com"}}
	if !reflect.DeepEqual(c.Aliases[0], want) || !c.Aliases[0].IsGroup() || c.Aliases[1].IsGroup() {
		t.Fatalf("Aliases = %+v", c.Aliases)
	}
	if got := aliasSummary(c)[0]; got != "Email aliases: 1; distribution groups: 3 (local senders only)" {
		t.Errorf("summary: %q", got)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"group contains itself", "[EmailAlias]\nItem1=team@x.com,ann@x.com,team@x.com", "aliases form a loop: team@x.com -> team@x.com"},
		{"nested loop", "[EmailAlias]\nItem1=a@x.com,ann@x.com,b@x.com\nItem2=b@x.com,c@x.com,cid@x.com\nItem3=c@x.com,a@x.com",
			"aliases form a loop: a@x.com -> b@x.com -> c@x.com -> a@x.com"},
		{"loop through a bare alias", "[Domains]\nDomain1=x.com\n[EmailAlias]\nItem1=postmaster,ann@x.com,team@x.com\nItem2=team@x.com,postmaster@x.com",
			"aliases form a loop"},
		{"bad member", "[EmailAlias]\nItem1=team@x.com,ann@x.com,not an address", `not "not an address"`},
		{"empty member", "[EmailAlias]\nItem1=team@x.com,ann@x.com,,bob@x.com", `not ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error = %v; want one with %q", err, tc.want)
			}
		})
	}
	// Two groups sharing members, and a member reached twice, are no loop.
	mustLoad(t, "[EmailAlias]\nItem1=a@x.com,ann@x.com,b@x.com,c@x.com\nItem2=b@x.com,ann@x.com\nItem3=c@x.com,ann@x.com,b@x.com\n")
}
