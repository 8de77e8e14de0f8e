package queue

import (
	"bytes"
	"runtime"
	"strconv"
	"testing"
)

// msg4K is a 4 KB message with CRLF lines.
var msg4K = bytes.Repeat([]byte(strconv.Itoa(1234567)+" 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop\r\n"), 4096/72)

// BenchmarkCommit commits 4 KB messages one after another, with every
// fsync of the protocol (two files and the folder): one SMTP session.
func BenchmarkCommit(b *testing.B) {
	tr := newTree(b)
	env := testEnvelope()
	b.SetBytes(int64(len(msg4K)))
	for b.Loop() {
		d, err := tr.NewDraft(Incoming)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = d.Write(msg4K)
		e := *env
		if err := d.Commit(&e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkCommitParallel commits from concurrent sessions (GOMAXPROCS
// goroutines; -cpu sets how many), whose fsyncs the file system's journal
// can share.
func BenchmarkCommitParallel(b *testing.B) { benchCommitParallel(b, 1) }

// BenchmarkCommit20 commits from 20 goroutines on 2 CPUs, as 20 SMTP
// sessions do under load: concurrent commits share folder syncs.
func BenchmarkCommit20(b *testing.B) { benchCommitParallel(b, 20/max(1, runtime.GOMAXPROCS(0))) }

func benchCommitParallel(b *testing.B, parallelism int) {
	b.SetParallelism(parallelism)
	tr := newTree(b)
	b.SetBytes(int64(len(msg4K)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d, err := tr.NewDraft(Incoming)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = d.Write(msg4K)
			if err := d.Commit(testEnvelope()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDeliver delivers 4 KB messages into one mailbox (file fsync
// and folder fsync each).
func BenchmarkDeliver(b *testing.B) {
	tr := newTree(b)
	hdr := []byte("Return-Path: <sender@example.org>\r\nX-Envelope-To: <admin@localhost.com>\r\n")
	b.SetBytes(int64(len(hdr) + len(msg4K)))
	for b.Loop() {
		id := NewID(tr.now())
		if _, err := tr.Deliver("admin@localhost.com", false, id, hdr, bytes.NewReader(msg4K)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkMove moves committed sets between two folders by renames.
func BenchmarkMove(b *testing.B) {
	tr := newTree(b)
	ids := make([]ID, 0, 1000)
	b.StopTimer()
	for range 1000 {
		ids = append(ids, commitMsg(b, tr, Incoming, string(msg4K)))
	}
	b.StartTimer()
	from, to := Incoming, External
	i := 0
	for b.Loop() {
		if err := tr.Move(ids[i], from, to); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(ids) {
			i, from, to = 0, to, from
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "moves/s")
}

// BenchmarkParseEnvelope parses a typical .auth.
func BenchmarkParseEnvelope(b *testing.B) {
	e := testEnvelope("a@localhost.com", "b@example.org", "c@example.net")
	e.ID = "2013100717060690338676"
	e.number()
	text, err := e.MarshalText()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ParseEnvelope(text); err != nil {
			b.Fatal(err)
		}
	}
}
