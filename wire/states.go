package wire

// States is a set of the states of a session's state machine, one bit each:
// the states in which a verb of a command table is accepted. smtp and pop3
// both keep their verbs in a table of handler and States, and their command
// loops answer a verb sent in a state outside its set before any handler
// runs. S is the protocol's own state type, numbered from 0 to 63.
type States[S ~int] uint64

// StatesOf returns the set of the given states.
func StatesOf[S ~int](ss ...S) States[S] {
	var set States[S]
	for _, s := range ss {
		set |= 1 << uint(s)
	}
	return set
}

// Has reports whether s is in the set.
func (set States[S]) Has(s S) bool { return set&(1<<uint(s)) != 0 }
