package policy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"mailq/internal/osfile"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The failed-login file: one record a line, "kind fails tries start until"
// (Unix seconds; until 0 when not blocked) followed by the address for
// "ip" and "pair" and by "=" and the query-escaped name for "account" and
// "pair". It is ours alone: a damaged line is skipped, losing one count.

// read reads the file; a missing or unreadable file holds no failures.
func (l *Logins) read() (map[loginKey]*loginRec, fs.FileInfo) {
	f, err := os.Open(l.path)
	if err != nil {
		return map[loginKey]*loginRec{}, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return map[loginKey]*loginRec{}, nil
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return map[loginKey]*loginRec{}, nil
	}
	return parseLoginFile(buf.Bytes()), fi
}

// parseLoginFile reads the file's lines, skipping comments and anything
// malformed (the file is ours; a damaged line only loses a count).
func parseLoginFile(data []byte) map[loginKey]*loginRec {
	recs := map[loginKey]*loginRec{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if k, r, ok := parseLoginLine(sc.Text()); ok {
			recs[k] = r
		}
	}
	return recs
}

// parseLoginLine reads "kind fails tries start until what...".
func parseLoginLine(line string) (loginKey, *loginRec, bool) {
	f := strings.Fields(line)
	if len(f) < 6 || strings.HasPrefix(f[0], "#") {
		return loginKey{}, nil, false
	}
	var n [4]int64
	for i := range n {
		v, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil || v < 0 {
			return loginKey{}, nil, false
		}
		n[i] = v
	}
	r := &loginRec{fails: int(n[0]), tries: int(n[1]), start: time.Unix(n[2], 0)}
	if n[3] != 0 {
		r.until = time.Unix(n[3], 0)
	}
	k := loginKey{kind: loginKind(f[0])}
	var err error
	switch {
	case k.kind == kindAccount && len(f) == 6:
		k.name, err = unescapeName(f[5])
	case k.kind == kindIP && len(f) == 6:
		k.ip, err = netip.ParseAddr(f[5])
	case k.kind == kindAccountIP && len(f) == 7:
		k.ip, err = netip.ParseAddr(f[5])
		if err == nil {
			k.name, err = unescapeName(f[6])
		}
	default:
		return loginKey{}, nil, false
	}
	if err != nil || (k.kind != kindAccount && k.ip != key(k.ip)) {
		return loginKey{}, nil, false
	}
	k.name = loginName(k.name)
	return k, r, true
}

// unescapeName reads a name as formatLoginFile writes it: "=" and the
// query-escaped name, so that the empty name is a field too.
func unescapeName(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, "=")
	if !ok {
		return "", errNotName
	}
	return url.QueryUnescape(rest)
}

var errNotName = errors.New("not a name field")

// formatLoginFile writes the records in a fixed order, so equal content gives
// an equal file. Names are query-escaped: a name a client sent may hold
// blanks or control characters, never a line break here.
func formatLoginFile(recs map[loginKey]*loginRec) []byte {
	keys := make([]loginKey, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b loginKey) int {
		if c := strings.Compare(string(a.kind), string(b.kind)); c != 0 {
			return c
		}
		if c := a.ip.Compare(b.ip); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var b bytes.Buffer
	b.WriteString(loginsHeader)
	for _, k := range keys {
		r := recs[k]
		var until int64
		if !r.until.IsZero() {
			until = r.until.Unix()
		}
		fmt.Fprintf(&b, "%s %d %d %d %d", k.kind, r.fails, r.tries, r.start.Unix(), until)
		if k.kind != kindAccount {
			fmt.Fprintf(&b, " %s", k.ip)
		}
		if k.kind != kindIP {
			fmt.Fprintf(&b, " =%s", url.QueryEscape(k.name))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// replaceFile replaces path with data through a temporary file and a
// rename, so a reader sees the old content or the new, but without the
// syncs of writeAtomic (osfile.NoSync): the file is rewritten on every
// failed login, and the counts are advice, not mail. A power cut may lose
// recent counts (at worst the file is empty: no blocks), never leave a torn
// line that blocks. A new file is private to the server's user.
func replaceFile(path string, data []byte) error {
	return osfile.Writer{Sync: osfile.NoSync}.WriteFile(path, data, 0o600)
}
