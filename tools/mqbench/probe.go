package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"mailq/internal/benchutil"
)

// runProbe does, -n times over goroutines goroutines, exactly the syscalls
// mailq's design needs per message (docs/durability.md), and returns the
// messages a second. That is the disk's limit for the design: a server
// that does nothing else would reach it.
//
// Per message: write, fsync and rename an .eml and an .auth in the queue
// folder, fsync the folder (the 250); write the mailbox copy, fsync,
// rename, fsync the mailbox folder; remove the source .eml and .auth.
// With direct, the path of direct filing ([MDA] DirectFiling) instead:
// write, fsync and rename the mailbox copy, fsync the mailbox folder.
func runProbe(o opts, goroutines int, direct bool) (float64, error) {
	dir, err := tempDir(o, "probe")
	if err != nil {
		return 0, err
	}
	queue, box := filepath.Join(dir, "queue"), filepath.Join(dir, "users", benchRcpt)
	for _, d := range []string{queue, box} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return 0, err
		}
	}
	// What a server stores is larger than what the client sent: the trace
	// fields it adds on top (Return-Path, Received; Delivered-To in the
	// mailbox copy; RFC 5321 §4.4) take about 500 bytes in mailq and
	// Postfix alike, and a 4 KB message then fills two blocks, not one.
	body := benchutil.MakeBody(o.size+traceBytes, benchRcpt)
	auth := []byte("from load@sender.example\nto " + benchRcpt + "\nend\n")
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	start := time.Now()
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(o.n) {
					return
				}
				one := probeOne
				if direct {
					one = probeDirect
				}
				if err := one(queue, box, fmt.Sprintf("%08d", i), body, auth); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(o.n) / time.Since(start).Seconds(), nil
}

// traceBytes is the size of the trace fields a server adds to a message.
const traceBytes = 500

// probeDirect is one message of direct filing: the mailbox copy alone.
func probeDirect(_, box, id string, body, _ []byte) error {
	if err := writeSynced(box, id+".eml", body); err != nil {
		return err
	}
	return syncFolder(box)
}

func probeOne(queue, box, id string, body, auth []byte) error {
	eml, env := filepath.Join(queue, id+".eml"), filepath.Join(queue, id+".auth")
	if err := writeSynced(queue, id+".eml", body); err != nil {
		return err
	}
	if err := writeSynced(queue, id+".auth", auth); err != nil {
		return err
	}
	if err := syncFolder(queue); err != nil {
		return err
	}
	if err := writeSynced(box, id+".eml", body); err != nil {
		return err
	}
	if err := syncFolder(box); err != nil {
		return err
	}
	if err := os.Remove(env); err != nil {
		return err
	}
	return os.Remove(eml)
}

// writeSynced writes data to ~name.tmp in dir, fsyncs it, and renames it
// to name.
func writeSynced(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, "~"+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

func syncFolder(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
