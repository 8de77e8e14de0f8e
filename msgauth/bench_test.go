package msgauth

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkCheckMessage is the work after the final dot for a signed
// message whose key and DMARC record are cached: DKIM verification and
// DMARC, per key type.
func BenchmarkCheckMessage(b *testing.B) {
	for typ, key := range testKeys(b) {
		b.Run(typ, func(b *testing.B) {
			rec, err := KeyRecord(key)
			if err != nil {
				b.Fatal(err)
			}
			c := verifyZone(b, rec)
			c.opt.DMARC = Accept
			sig, err := NewSigner([]SignKey{{Domain: "sign.test", Selector: "s1", Key: key}}).Sign(strings.NewReader(testMessage))
			if err != nil {
				b.Fatal(err)
			}
			msg := []byte(sig + testMessage)
			ctx := context.Background()
			for b.Loop() {
				if res, _ := c.CheckMessage(ctx, msg, SPFOutcome{}); res.DKIMResult() != "pass" {
					b.Fatal(res)
				}
			}
		})
	}
}

// BenchmarkSign is the MXA's signing of one small message, per key type.
func BenchmarkSign(b *testing.B) {
	for typ, key := range testKeys(b) {
		b.Run(typ, func(b *testing.B) {
			s := NewSigner([]SignKey{{Domain: "sign.test", Selector: "s1", Key: key}})
			for b.Loop() {
				if _, err := s.Sign(strings.NewReader(testMessage)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
