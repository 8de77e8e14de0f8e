package smtp

import (
	"fmt"
	"strings"
	"testing"
)

// TestLongHeaderStored: a header block of a few KB (far more than the
// room first made for the stored header) is stored whole, after ours.
func TestLongHeaderStored(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	var h strings.Builder
	for i := range 40 {
		fmt.Fprintf(&h, "X-Field-%02d: %s\r\n", i, strings.Repeat(string(rune('a'+i%26)), 60))
	}
	client := "Subject: long header\r\n" + h.String() + "\r\nbody\r\n"
	if r := c.send("a@elsewhere.example", []string{adminUser}, client+".\r\n"); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("final dot answered %q", r)
	}
	stored, _ := ts.only(t)
	if !strings.Contains(stored, h.String()) || !strings.HasSuffix(stored, "\r\n\r\nbody\r\n") {
		t.Fatalf("stored message lacks the client's fields or body:\n%s", stored)
	}
}

// TestHeaderNearScanLimit: a header block of 230 KB, under maxHeaderScan
// (256 KB) and read a few KB at a time, is still scanned to its end: the
// client's Return-Path, in its last line, is replaced by ours (RFC 5321
// §4.4), as for a short header.
func TestHeaderNearScanLimit(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	var h strings.Builder
	for i := 0; h.Len() < 230<<10; i++ {
		fmt.Fprintf(&h, "X-Pad-%05d: %s\r\n", i, strings.Repeat("p", 86))
	}
	msg := h.String() + "Return-Path: <forged@elsewhere.example>\r\n\r\nbody\r\n.\r\n"
	if r := c.send("a@elsewhere.example", []string{adminUser}, msg); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("final dot answered %q", r)
	}
	stored, _ := ts.only(t)
	if strings.Contains(stored, "forged@") || strings.Count(stored, "Return-Path:") != 1 {
		t.Fatalf("the client's Return-Path was kept (%d octets stored)", len(stored))
	}
}
