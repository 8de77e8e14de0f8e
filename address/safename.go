package address

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// ErrUnsafe is returned by SafeName for an address that cannot name a folder
// safely on both POSIX and Windows file systems.
var ErrUnsafe = errors.New("address: cannot be used as a folder name")

// maxNameLen is the longest folder name accepted: NTFS and most POSIX file
// systems allow 255 bytes a component.
const maxNameLen = 255

// windowsReserved are device names Windows reserves whatever the extension:
// "nul.x@y" names the NUL device there, so the part before the first dot is
// checked.
var windowsReserved = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com0": true, "com1": true, "com2": true, "com3": true, "com4": true,
	"com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt0": true, "lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true,
	"lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
	"conin$": true, "conout$": true, "clock$": true,
}

// SafeName maps an address (local@domain, without angle brackets) to the name
// of its mailbox folder: the address in lower case, in Unicode NFC. It
// refuses, with ErrUnsafe, anything that could escape the users folder or
// mean something else to a file system: path separators, "..", control
// characters, characters Windows forbids in names (<>:"|?*), reserved device
// names, a leading dot, trailing dots or spaces, names longer than 255
// bytes, malformed UTF-8, and any code point beyond ASCII that is not a
// letter, mark or digit (safeRune, utf8.go). Two addresses that differ only
// in case or in Unicode normalisation share a folder.
func SafeName(addr string) (string, error) {
	name := foldName(addr)
	if name == "" || len(name) > maxNameLen || !utf8.ValidString(name) {
		return "", ErrUnsafe
	}
	for _, r := range name {
		if r >= 0x80 && !safeRune(r) {
			return "", ErrUnsafe
		}
	}
	at := strings.LastIndexByte(name, '@')
	if at <= 0 || at == len(name)-1 {
		return "", ErrUnsafe
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c == 0x7f {
			return "", ErrUnsafe
		}
		switch c {
		case '/', '\\', '<', '>', ':', '"', '|', '?', '*':
			return "", ErrUnsafe
		}
	}
	if strings.Contains(name, "..") || name[0] == '.' {
		return "", ErrUnsafe
	}
	if last := name[len(name)-1]; last == '.' || last == ' ' {
		return "", ErrUnsafe
	}
	base := name
	if dot := strings.IndexByte(base, '.'); dot >= 0 {
		base = base[:dot]
	}
	if windowsReserved[base] {
		return "", ErrUnsafe
	}
	return name, nil
}
