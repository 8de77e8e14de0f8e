package dsn

import (
	"testing"

	"mailq/queue"
)

func TestWithheld(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		origin     queue.Origin
		addr, orig string
		want       bool
	}{
		{"remote, forwarded to another domain", queue.OriginRemote, "target@far.example", "fwd@test.example", true},
		{"remote, domain case differs only", queue.OriginRemote, "x@Test.Example", "fwd@test.example", false},
		{"remote, alias inside the domain", queue.OriginRemote, "nobody@test.example", "ghost@test.example", false},
		{"remote, no alias", queue.OriginRemote, "x@far.example", "", false},
		{"local sender", queue.OriginLocal, "target@far.example", "fwd@test.example", false},
		{"unknown origin", queue.OriginUnknown, "target@far.example", "fwd@test.example", false},
		{"remote, postmaster alias without domain", queue.OriginRemote, "pm@far.example", "postmaster", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := &queue.Envelope{Origin: c.origin}
			if got := Withheld(env, c.addr, c.orig); got != c.want {
				t.Errorf("Withheld(%v, %q, %q) = %v, want %v", c.origin, c.addr, c.orig, got, c.want)
			}
		})
	}
}
