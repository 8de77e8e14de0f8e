package wire

import "testing"

type testState int

const (
	stA testState = iota
	stB
	stC
	stD
)

func TestStates(t *testing.T) {
	cases := []struct {
		set  States[testState]
		want [4]bool
	}{
		{StatesOf[testState](), [4]bool{}},
		{StatesOf(stA), [4]bool{true, false, false, false}},
		{StatesOf(stB, stD), [4]bool{false, true, false, true}},
		{StatesOf(stD, stC, stB, stA, stA), [4]bool{true, true, true, true}},
	}
	for i, c := range cases {
		for s := stA; s <= stD; s++ {
			if got := c.set.Has(s); got != c.want[s] {
				t.Errorf("case %d: Has(%d) = %v, want %v", i, s, got, c.want[s])
			}
		}
	}
}
