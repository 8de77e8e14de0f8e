package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"mailq/address"
)

// TestUnknownFolders: a name with a folder is known whatever the count; the
// count stops at the limit; files beside the folders do not count; an
// address that cannot name a folder is an error, and nothing is created.
func TestUnknownFolders(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	for i := range 5 {
		if err := os.MkdirAll(filepath.Join(tr.unknown, fmt.Sprintf("u%d@test.example", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tr.unknown, "stray.eml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr  string
		limit int
		known bool
		n     int
	}{
		{"U3@test.example", 2, true, 0},
		{"new@test.example", 100, false, 5},
		{"new@test.example", 3, false, 3},
	} {
		known, n, err := tr.UnknownFolders(c.addr, c.limit)
		if err != nil || known != c.known || n != c.n {
			t.Errorf("UnknownFolders(%q, %d) = %v, %d, %v; want %v, %d", c.addr, c.limit, known, n, err, c.known, c.n)
		}
	}
	if _, _, err := tr.UnknownFolders(`"../x"@test.example`, 10); !errors.Is(err, address.ErrUnsafe) {
		t.Errorf("unsafe address: %v", err)
	}
}

// BenchmarkUnknownFolders is what RCPT pays for a new unknown user when
// the unknown folder is full (1000 folders, the default bound).
func BenchmarkUnknownFolders(b *testing.B) {
	tr := newTree(b)
	for i := range 1000 {
		if err := os.MkdirAll(filepath.Join(tr.unknown, fmt.Sprintf("u%d@test.example", i)), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, n, err := tr.UnknownFolders("new@test.example", 1000); err != nil || n != 1000 {
			b.Fatal(n, err)
		}
	}
}
