package accounts

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mailq/internal/osfile"
	"os"
	"strings"
)

const keyFileHeader = `# mailq.key: the key that seals the passwords in mailq.ini [Users].
# Keep it private and out of shared copies: with it and mailq.ini anyone can
# read every password. Back it up: without it no account can log in.
`

// readKey reads the key file; a missing file gives an error wrapping
// fs.ErrNotExist.
func readKey(path string) ([]byte, error) {
	var f *os.File
	// Retry: on Windows, a racing createKey removing its temporary name
	// briefly denies opens of the key it has just linked.
	err := osfile.Retry(func() (err error) { f, err = os.Open(path); return err })
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("accounts: read %s: %w", path, err)
	}
	key, err := parseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("accounts: %s: %w", path, err)
	}
	return key, nil
}

// parseKey reads the key file format: '#' comment lines, blank lines, and
// exactly one "v1:<base64url>" line holding 32 bytes.
func parseKey(text string) ([]byte, error) {
	var key []byte
	for _, ln := range strings.Split(text, "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" || ln[0] == '#' {
			continue
		}
		rest, ok := strings.CutPrefix(ln, valuePrefix)
		if !ok || key != nil {
			return nil, errors.New("not a mailq key file (one line \"v1:<key>\" expected)")
		}
		k, err := b64.DecodeString(rest)
		if err != nil || len(k) != keySize || strings.ContainsRune(rest, '\r') {
			return nil, errors.New("the key line is damaged")
		}
		key = k
	}
	if key == nil {
		return nil, errors.New("the file holds no key")
	}
	return key, nil
}

func formatKey(key []byte) []byte {
	return []byte(keyFileHeader + valuePrefix + b64.EncodeToString(key) + "\n")
}

// loadKey reads the key file. When it is missing, loadKey creates it only if
// no value in [Users] is sealed (sealed == 0): a new key could never open
// those.
func loadKey(path string, sealed int) ([]byte, error) {
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if sealed > 0 {
		return nil, fmt.Errorf("%w: %s is missing, but %d password(s) in [Users] were sealed with it; "+
			"restore it from a backup, or, if it is lost, remove those accounts with /DELUSER and add them again",
			ErrNoKey, path, sealed)
	}
	return createKey(path)
}

// createKey writes a new random key. The file appears complete or not at
// all, and never replaces one (osfile.Writer.Exclusive): a process that
// loses the race to create it reads the winner's key.
func createKey(path string) ([]byte, error) {
	key := make([]byte, keySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	err := osfile.Writer{Exclusive: true}.WriteFile(path, formatKey(key), 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return readKey(path)
	case err != nil:
		return nil, fmt.Errorf("accounts: create key: %w", err)
	}
	return key, nil
}
