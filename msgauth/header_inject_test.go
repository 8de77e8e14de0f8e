package msgauth

import (
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/authres"
)

// TestHeaderNoInjection: the values our Authentication-Results carries
// come from the client (MAIL FROM with a quoted local part, the HELO word,
// a signature's d=). A backslash before a quote in them must not end the
// quoted-string the value is written in, or the client could append a
// result of its choosing ("dkim=pass header.d=bank.test") to the field
// that readers trust as ours. Read back by a real parser, the field holds
// exactly the results we wrote.
func TestHeaderNoInjection(t *testing.T) {
	t.Parallel()
	c := New(Options{Host: "mx.test"})
	inject := `\"; dkim=pass header.d=bank.test; x=\"`
	for _, res := range []Results{
		{SPF: SPFOutcome{Result: "pass", From: `"x` + inject + `y"@evil.test`, Helo: "h.test", HeloResult: "none"}},
		{SPF: SPFOutcome{Result: "none", Helo: "a.b" + inject, HeloResult: "none"}},
		{SPF: SPFOutcome{Result: "none", From: "a@b.test", Helo: "a.b" + inject, HeloResult: "permerror"}},
		{DKIM: []DKIMOutcome{{Result: "fail", Domain: "d.test" + inject}}},
		{DMARC: DMARCOutcome{Result: "fail", Domain: "d.test" + inject}},
	} {
		h := c.Header(res)
		v := strings.TrimSuffix(strings.TrimPrefix(h, "Authentication-Results: "), "\r\n")
		id, got, err := authres.Parse(v)
		if err != nil || id != "mx.test" {
			t.Errorf("%q: id %q, %v", h, id, err)
			continue
		}
		want := len(res.DKIM)
		if res.SPF.Result != "" {
			want++
		}
		if res.SPF.HeloResult != "" && res.SPF.From != "" {
			want++
		}
		if res.DMARC.Result != "" {
			want++
		}
		if len(got) != want {
			t.Errorf("%q read back as %d results, want %d: %#v", h, len(got), want, got)
		}
		for _, r := range got {
			if d, ok := r.(*authres.DKIMResult); ok && d.Value == authres.ResultPass {
				t.Errorf("%q: injected %#v", h, d)
			}
		}
	}
}
