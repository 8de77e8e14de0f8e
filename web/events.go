package web

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
	"time"

	"mailq/queue"
)

// watcher notices changes in the tree by polling the modification times
// of the mailbox folders and queue folders: a folder's time changes when a
// file is renamed into it or removed from it, which is how every message
// arrives and goes. One stat per folder a poll is cheap, works on every
// platform and file system, and needs no notification library.
type watcher struct {
	tree *queue.Tree
	poll time.Duration

	mu      sync.Mutex
	version uint64
	changed chan struct{} // closed and replaced at every change
}

func newWatcher(tree *queue.Tree, poll time.Duration) *watcher {
	return &watcher{tree: tree, poll: poll, changed: make(chan struct{})}
}

// current returns the version and a channel closed at the next change.
func (w *watcher) current() (uint64, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.version, w.changed
}

// bump records a change and wakes everyone waiting.
func (w *watcher) bump() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.version++
	close(w.changed)
	w.changed = make(chan struct{})
}

// run polls until ctx ends.
func (w *watcher) run(ctx context.Context) {
	last := w.fingerprint()
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if fp := w.fingerprint(); fp != last {
			last = fp
			w.bump()
		}
	}
}

// fingerprint hashes the modification times of every watched folder.
func (w *watcher) fingerprint() uint64 {
	h := fnv.New64a()
	put := func(name string, t time.Time) {
		fmt.Fprintf(h, "%s=%d;", name, t.UnixNano())
	}
	roots := w.tree.RootModTimes()
	put("users", roots[0])
	put("unknown", roots[1])
	for f := queue.Incoming; f <= queue.Bad; f++ {
		t, _ := w.tree.ModTime(f)
		put(f.String(), t)
	}
	boxes, _ := w.tree.Mailboxes()
	for _, ref := range boxes {
		mb, err := w.tree.ExistingMailbox(ref)
		if err != nil {
			continue
		}
		t, _ := mb.ModTime()
		put(boxKey(ref), t)
	}
	return h.Sum64()
}

// keepAlive is how often an idle event stream gets a comment line, so
// proxies and browsers do not close it.
const keepAlive = 25 * time.Second

// handleEvents streams server-sent events: "change" whenever something in
// the tree changed that the viewer may see (for an account, its own
// mailbox: nobody learns when other mailboxes get mail). The page then
// fetches what it shows again.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, v *viewer) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		apiError(w, http.StatusInternalServerError, "internal", "streaming not supported")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	version, changed := s.watch.current()
	own := s.ownStamp(v)
	fmt.Fprintf(w, "retry: 2000\nevent: hello\ndata: %d\n\n", version)
	flusher.Flush()
	ping := time.NewTicker(keepAlive)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case <-changed:
			version, changed = s.watch.current()
			if !s.concerns(v, &own) {
				continue
			}
			fmt.Fprintf(w, "event: change\ndata: %s\n\n", strconv.FormatUint(version, 10))
		}
		flusher.Flush()
	}
}

// concerns reports whether the latest change concerns v: always for an
// administrator; for an account, when its mailbox's time is no longer own
// (which it then updates).
func (s *Server) concerns(v *viewer, own *time.Time) bool {
	if v.admin {
		return true
	}
	stamp := s.ownStamp(v)
	if stamp.Equal(*own) {
		return false
	}
	*own = stamp
	return true
}

// ownStamp is the modification time of the viewer's own mailbox folder
// (zero if it has none yet).
func (s *Server) ownStamp(v *viewer) time.Time {
	if v.admin || v.user == "" {
		return time.Time{}
	}
	mb, err := s.opt.Tree.ExistingMailbox(queue.MailboxRef{Addr: v.user})
	if err != nil {
		return time.Time{}
	}
	t, _ := mb.ModTime()
	return t
}
