package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// watcher records when files appear in a folder, through inotify, so the
// time a delivery lands is observed to the millisecond without polling.
type watcher struct {
	fd   int
	mu   sync.Mutex
	seen map[string]time.Time
}

func newWatcher(dir string) (*watcher, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_MOVED_TO|unix.IN_CREATE|unix.IN_CLOSE_WRITE); err != nil {
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	w := &watcher{fd: fd, seen: map[string]time.Time{}}
	go w.loop()
	return w, nil
}

func (w *watcher) loop() {
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(w.fd, buf)
		if err != nil {
			return
		}
		now := time.Now()
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if id, ok := strings.CutSuffix(name, ".eml"); ok && !strings.HasPrefix(name, "~") {
				w.mu.Lock()
				if _, dup := w.seen[id]; !dup {
					w.seen[id] = now
				}
				w.mu.Unlock()
			}
		}
	}
}

// wait returns the 250-to-mailbox latency of each message that arrived
// within timeout.
func (w *watcher) wait(msgs []sent, timeout time.Duration) []time.Duration {
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		var lat []time.Duration
		for _, m := range msgs {
			if t, ok := w.seen[m.id]; ok {
				lat = append(lat, max(0, t.Sub(m.acked)))
			}
		}
		w.mu.Unlock()
		if len(lat) == len(msgs) || time.Now().After(deadline) {
			return lat
		}
		time.Sleep(50 * time.Millisecond)
	}
}
