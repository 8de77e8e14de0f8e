package smtp

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestChunkReaderEmptyRead: a Read with no room reads nothing and says
// nothing (io.Reader: 0, nil), even at the end of the LAST chunk; the end
// comes with the next Read that has room.
func TestChunkReaderEmptyRead(t *testing.T) {
	t.Parallel()
	r := &chunkReader{last: true}
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
	if n, err := r.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read after the LAST chunk = %d, %v; want 0, EOF", n, err)
	}
}

// TestChunkReaderClientLeaves: a client that leaves inside a chunk gives
// its octets, then io.ErrUnexpectedEOF at once, not first a Read of 0
// octets and no error (which io.Reader discourages when len(p) > 0).
func TestChunkReaderClientLeaves(t *testing.T) {
	t.Parallel()
	s := &session{br: bufio.NewReader(strings.NewReader("abc"))}
	r := &chunkReader{s: s, chunk: 10, left: 10, last: true}
	p := make([]byte, 100)
	if n, err := r.Read(p); n != 3 || err != nil || string(p[:n]) != "abc" {
		t.Fatalf("first Read = %d %q, %v; want 3 \"abc\", nil", n, p[:n], err)
	}
	if n, err := r.Read(p); n != 0 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Read after the client left = %d, %v; want 0, %v", n, err, io.ErrUnexpectedEOF)
	}
}
