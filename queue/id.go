package queue

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// ID names a message set in the tree: its files are <id>.eml and <id>.auth.
//
// A base id is 22 decimal digits: the UTC receive time as YYYYMMDDhhmmss and
// 8 random digits, as in the manual's "2013100717060690338676". Ids sort by
// time as strings. A derived id, <base>-<n>, names the copy of a message for
// its recipient numbered n (Recipient.N, 1 to MaxRecipients); see Derive.
type ID string

const (
	idTimeLen   = 14 // YYYYMMDDhhmmss
	idRandLen   = 8  // random digits
	idBaseLen   = idTimeLen + idRandLen
	idTimeShape = "20060102150405"

	// MaxRecipients is the highest recipient number, so a derived id is at
	// most 29 bytes long.
	MaxRecipients = 999999
)

// NewID returns a fresh base id for a message received at now. It is unique
// with high probability (10^8 per second); NewDraft makes it certain by
// reserving the name with O_EXCL (DURABILITY rule 4).
func NewID(now time.Time) ID {
	return ID(now.UTC().Format(idTimeShape) + fmt.Sprintf("%08d", mrand.IntN(100_000_000)))
}

// Valid reports whether id is a base id or a derived id. Only valid ids
// name files, so nothing else can become a path (STYLE section 6).
func (id ID) Valid() bool {
	s := string(id)
	if len(s) < idBaseLen || !allDigits(s[:idBaseLen]) {
		return false
	}
	if len(s) == idBaseLen {
		return true
	}
	return s[idBaseLen] == '-' && parseCopy(s[idBaseLen+1:]) > 0
}

// Base returns the base id: id itself, or the part before "-n".
func (id ID) Base() ID {
	if len(id) > idBaseLen {
		return id[:idBaseLen]
	}
	return id
}

// Copy returns n for a derived id <base>-<n>, and 0 for a base id.
func (id ID) Copy() int {
	if len(id) <= idBaseLen+1 {
		return 0
	}
	return parseCopy(string(id[idBaseLen+1:]))
}

// Derive returns the id of the copy of this message for the recipient
// numbered n: <base>-<n>, whatever id itself is. Because recipient numbers
// are unique within a message and kept in every copy (Recipient.N), derived
// ids never collide and never grow: splitting X-2 again yields X-<m> for the
// recipients' own numbers, and a one-recipient copy of X-2 is X-2 itself.
// The result is deterministic, so a replayed split finds its earlier copies
// (ErrExists). It returns "" (not Valid) for n outside 1..MaxRecipients.
func (id ID) Derive(n int) ID {
	if n < 1 || n > MaxRecipients || !id.Valid() {
		return ""
	}
	return id.Base() + ID("-"+strconv.Itoa(n))
}

func (id ID) String() string { return string(id) }

// compareIDs orders ids by base, then by copy number (X, X-1, X-2, X-10).
func compareIDs(a, b ID) int {
	if c := strings.Compare(string(a.Base()), string(b.Base())); c != 0 {
		return c
	}
	return a.Copy() - b.Copy()
}

// parseCopy parses a copy number: 1 to MaxRecipients, no sign, no leading
// zero (so one number has one spelling and one file name). It returns 0 if
// s is not one.
func parseCopy(s string) int {
	if s == "" || len(s) > 6 || s[0] == '0' || !allDigits(s) {
		return 0
	}
	n, _ := strconv.Atoi(s)
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// splitName splits a file name "<id>.<ext>" with a valid id.
func splitName(name string) (ID, string, bool) {
	dot := strings.IndexByte(name, '.')
	if dot < 0 {
		return "", "", false
	}
	id := ID(name[:dot])
	return id, name[dot+1:], id.Valid()
}

// NewTrackingID returns a random GUID-style tracking id, such as
// "326ADE6D-945E-4EB8-907A-E01B2B0794CD" (an RFC 9562 version 4 UUID in
// upper case). It is set once, when a message is received, and kept in
// every copy's envelope, whatever the copy's queue id.
func NewTrackingID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
