package queue

import "strconv"

// Origin says how far the sender of a set is known: whether it came from
// outside, unauthenticated (the sender address may be forged), or from a
// client the server knows. It is the "origin" field of format version 2
// (doc.go). The agents use it to decide what a failure notice may reveal.
type Origin int

// The origins. The zero value is unknown: a version 1 .auth, such as a set
// dropped into the queue by another program on this host, or one written by
// an older mailq.
const (
	OriginUnknown Origin = iota
	// OriginLocal: an authenticated session, a loopback client, or a
	// client trusted to relay ([RelayIPs], POP-before-SMTP).
	OriginLocal
	// OriginRemote: any other client: the sender address is only what
	// the client claimed.
	OriginRemote
)

var originNames = [...]string{"", "local", "remote"}

func (o Origin) String() string {
	if o < 0 || int(o) >= len(originNames) {
		return "origin(" + strconv.Itoa(int(o)) + ")"
	}
	return originNames[o]
}

func parseOrigin(v string) (Origin, error) {
	for i, name := range originNames {
		if i > 0 && v == name {
			return Origin(i), nil
		}
	}
	return 0, strErr("unknown origin")
}

// version is the format version MarshalText writes for e: the lowest that
// holds its fields (4 with smtputf8 or a DSN field, dsn.go; 3 with a notice
// field, 2 with an origin, else 1), so that every envelope an older reader
// could read is still written for it.
func (e *Envelope) version() int {
	switch {
	case e.SMTPUTF8 || e.dsnVersion():
		return 4
	case !e.Notice.IsZero():
		return 3
	case e.Origin != OriginUnknown:
		return 2
	}
	return 1
}
