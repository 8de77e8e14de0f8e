package web

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"mailq/logs"
	"mailq/queue"
)

// Users is what the web instance needs of the accounts: package accounts'
// Store implements it.
type Users interface {
	Exists(addr string) bool
	Locked(addr string) bool
	CheckPassword(addr, password string) error
}

// Options configure a Server.
type Options struct {
	Tree  *queue.Tree
	Users Users
	Log   *logs.Logger
	// Admins are the accounts that see everything (WebAdmins).
	Admins []string
	// LoginLocal asks loopback visitors to log in too (WebLoginLocal).
	LoginLocal bool
	// TLS, when set, serves HTTPS with it (and marks the cookie Secure).
	// The certificate settings are the mail servers' own; main builds it.
	TLS *tls.Config
	// Poll is how often the change watcher looks at the folders' times;
	// 0 means once a second.
	Poll time.Duration
	// FailDelay is how long a failed login waits before its answer, to
	// slow down guessing; 0 means none (tests).
	FailDelay time.Duration
	// Guard applies the block list and the login limits (guard.go); nil
	// applies none.
	Guard Guard
	// Version is shown in the page footer.
	Version string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the web instance's HTTP server.
type Server struct {
	opt     Options
	key     [32]byte // signs session cookies; new at every start
	now     func() time.Time
	index   *indexes
	watch   *watcher
	pages   *pageSet
	handler http.Handler
	delMu   sync.Mutex // one mailbox deletion at a time (they take the POP3 mailbox lock)

	// waitHook, set by tests, runs when a wait call is about to block.
	waitHook func()
}

// shutdownGrace is how long requests in progress may finish after the
// instance is told to stop. Server-sent event streams and waits end at once.
const shutdownGrace = 5 * time.Second

// New checks opt and builds the server.
func New(opt Options) (*Server, error) {
	if opt.Tree == nil || opt.Users == nil || opt.Log == nil {
		return nil, errors.New("web: Tree, Users and Log are required")
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	s := &Server{opt: opt, now: opt.Now, index: newIndexes(opt.Tree)}
	if s.now == nil {
		s.now = time.Now
	}
	if _, err := rand.Read(s.key[:]); err != nil {
		return nil, fmt.Errorf("web: session key: %w", err)
	}
	pages, err := loadPages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.watch = newWatcher(opt.Tree, opt.Poll)
	s.handler = s.routes()
	return s, nil
}

// Handler returns the server's HTTP handler (for tests that bring their
// own listener).
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers HTTP on ln until ctx ends, then stops taking requests,
// ends event streams and waits, gives requests in progress shutdownGrace
// to finish, and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.opt.TLS != nil {
		ln = tls.NewListener(ln, s.opt.TLS)
	}
	wctx, stopWatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.watch.run(wctx) })
	defer func() {
		stopWatch()
		wg.Wait()
	}()
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// A whole request, body included, within this: a client that
		// trickles a body holds no connection for long. (Answers are not
		// bounded: event streams and waits last.)
		ReadTimeout:    30 * time.Second,
		MaxHeaderBytes: 64 << 10,
		IdleTimeout:    2 * time.Minute,
		ErrorLog:       nil,
		BaseContext:    func(net.Listener) context.Context { return wctx },
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
	}
	<-done
	return nil
}

// recoverer answers 500 instead of dropping the connection when a handler
// panics, and logs the stack (STYLE §3).
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.opt.Log.Errorf("Web", "%s %s: handler crashed: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
