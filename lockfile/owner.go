package lockfile

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// formatLine is the second line of every lock file; a new layout gets a new
// number.
const formatLine = "mailq-lock=1"

// maxFileSize bounds what parse reads: a real lock file is under 1 KiB.
const maxFileSize = 4096

// errFormat is wrapped by every parse error.
var errFormat = errors.New("not a mailq lock file")

// Owner is what a lock file says about the process that holds it.
type Owner struct {
	PID     int
	Host    string    // os.Hostname of the owner's machine
	Exe     string    // os.Executable of the owner, "" if unknown
	Started time.Time // when the lock was taken, UTC
	// Instance is random and fixed for the life of the owner's process. It
	// tells this process from an earlier one that had the same PID, as
	// happens to PID 1 in a restarted container.
	Instance string
	Token    string // random, unique to one acquisition
}

// instance identifies this process among all that ever had its PID.
var instance = randomHex(8)

// newOwner describes this process taking a lock now.
func newOwner() Owner {
	host, _ := os.Hostname()
	exe, _ := os.Executable()
	return Owner{
		PID:      os.Getpid(),
		Host:     oneLine(host),
		Exe:      oneLine(exe),
		Started:  time.Now().UTC(),
		Instance: instance,
		Token:    randomHex(16),
	}
}

// randomHex returns n random bytes in hex. crypto/rand.Read never fails
// (Go 1.24+).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// oneLine keeps a field from breaking the line structure of the file.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return '?'
		}
		return r
	}, s)
}

// encode renders o in the version 1 format described in doc.go.
func (o Owner) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n%s\nhost=%s\nexe=%s\nstarted=%s\ninstance=%s\ntoken=%s\n",
		o.PID, formatLine, oneLine(o.Host), oneLine(o.Exe),
		o.Started.UTC().Format(time.RFC3339Nano), oneLine(o.Instance), oneLine(o.Token))
	return b.Bytes()
}

// parse reads a lock file written by encode. It accepts CRLF line ends (the
// file may have been opened in an editor) and ignores unknown keys; it
// rejects everything else with an error wrapping errFormat.
func parse(data []byte) (Owner, error) {
	var o Owner
	if len(data) > maxFileSize {
		return o, fmt.Errorf("%w: %d bytes", errFormat, len(data))
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
		if strings.ContainsRune(lines[i], '\r') {
			return o, fmt.Errorf("%w: stray carriage return", errFormat)
		}
	}
	if len(lines) < 2 {
		return o, fmt.Errorf("%w: too short", errFormat)
	}
	pid, err := parsePID(lines[0])
	if err != nil {
		return o, err
	}
	if lines[1] != formatLine {
		return o, fmt.Errorf("%w: second line is %q, want %q", errFormat, lines[1], formatLine)
	}
	o.PID = pid
	seen := map[string]bool{}
	for _, ln := range lines[2:] {
		k, v, ok := strings.Cut(ln, "=")
		if !ok {
			return o, fmt.Errorf("%w: line %q has no '='", errFormat, ln)
		}
		if seen[k] {
			return o, fmt.Errorf("%w: key %q repeated", errFormat, k)
		}
		seen[k] = true
		if err := o.set(k, v); err != nil {
			return o, err
		}
	}
	for _, k := range []string{"host", "started", "token"} {
		if !seen[k] {
			return o, fmt.Errorf("%w: no %s", errFormat, k)
		}
	}
	return o, nil
}

// set stores one key=value line of a lock file in o.
func (o *Owner) set(k, v string) error {
	switch k {
	case "host":
		o.Host = v
	case "exe":
		o.Exe = v
	case "instance":
		o.Instance = v
	case "started":
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return fmt.Errorf("%w: started: %v", errFormat, err)
		}
		o.Started = t.UTC()
	case "token":
		if v == "" {
			return fmt.Errorf("%w: empty token", errFormat)
		}
		o.Token = v
	}
	return nil
}

// parsePID accepts a decimal process id without sign or spaces. kill(0) and
// kill(-1) address process groups, so only positive ids pass.
func parsePID(s string) (int, error) {
	if s == "" || len(s) > 10 {
		return 0, fmt.Errorf("%w: bad pid %q", errFormat, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: bad pid %q", errFormat, s)
		}
	}
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 || pid > 1<<31-1 {
		return 0, fmt.Errorf("%w: bad pid %q", errFormat, s)
	}
	return pid, nil
}
