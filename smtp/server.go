package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"mailq/chaos"
	"mailq/config"
	"mailq/logs"
	"mailq/msgauth"
	"mailq/queue"
	"mailq/route"
	"mailq/slots"
)

// Accounts is what the server asks about accounts; *accounts.Store has it.
// Errors of the checks are logged, never shown to the client.
type Accounts interface {
	Exists(addr string) bool
	CheckPassword(addr, password string) error
	CheckCRAMMD5(addr, challenge, digestHex string) error
}

// Options are what a Server is built from. main fills them from the
// configuration and the instance's shared pieces.
type Options struct {
	Server config.Server
	SMTP   config.SMTP
	// RefileUnknown is [MDA] RefileUnknownUsers: accept mail for unknown
	// users at local domains (the MDA files it under unknown/); when false
	// they are refused at RCPT with 550 5.1.1.
	RefileUnknown bool
	// UnknownCap is [MDA] MaxUnknownFolders (see checkUnknown); 0 is no bound.
	UnknownCap int
	// GroupsLocalOnly is [MDA] GroupsLocalSendersOnly: a distribution group
	// takes mail from local senders only (origin.go).
	GroupsLocalOnly bool
	// Domains are the local domains, HostDomain first (Config.AllDomains).
	// The domainless "<Postmaster>" means postmaster at the first.
	Domains  []string
	Tree     *queue.Tree
	Accounts Accounts
	Routes   *route.Table
	Log      *logs.Logger
	// Guard holds the abuse controls; nil means OpenGuard.
	Guard Guard
	// Committed is called after each message is committed: the MDA's
	// wake-up. It must not block.
	Committed func()
	// ExeName and Version are for the welcome macros $exename and $ver.
	ExeName, Version string
	// Getenv looks up $env.NAME^ in the welcome; nil means os.Getenv.
	Getenv func(string) string
	// TLS is STARTTLS and implicit TLS (starttls.go).
	TLS TLSOptions
	// Auth checks the senders of mail from outside (msgauth.go); nil
	// checks nothing.
	Auth *msgauth.Checker
	// FailDelay holds the answer to a failed AUTH (see failPause).
	FailDelay time.Duration
	// Chaos is the [Chaos] rules (chaos.go); nil injects nothing.
	Chaos *chaos.Plan
	// Discard reads each message to its final dot and keeps nothing: the
	// sink without SinkKeep (sink.go).
	Discard bool
	// Capture is capture mode (capture.go).
	Capture config.Capture
	// Direct, when set (the MDA runs in this process), files the messages
	// it allows straight into their mailbox instead of the incoming queue
	// (direct.go).
	Direct DirectFiler
}

// Server is the SMTP receiver. Build it with New and run it with Serve.
type Server struct {
	opt      Options
	host     string // HostName, or "localhost"
	guard    Guard
	accounts Accounts
	log      *logs.Logger
	cap      *capacity
	sessions atomic.Uint64
	slots    *slots.Pool // SMTPThreads, shared between addresses (slots.go)

	unslotted atomic.Int32 // connections holding no slot (enter)
	lingering atomic.Int32 // refused sessions waiting for QUIT (mayLinger)
	bufs      sync.Pool    // *[]byte of copyBuf bytes, for streaming DATA

	folders unknownFolders // [MDA] MaxUnknownFolders (unknown.go)

	// Test seams, set only by tests in this package.
	now       func() time.Time
	spool     spool // where drafts come from: the tree, or a fake
	noRecover bool  // let panics through, so a test sees them

	pause func(start time.Time, delay time.Duration) // nil: failPause

	chaos *chaos.Plan                                     // Options.Chaos
	wait  func(ctx context.Context, d time.Duration) bool // nil: sleepCtx (chaos.go)
}

// copyBuf is the size of the buffer DATA is streamed through.
const copyBuf = 32 << 10

// New checks o and returns a Server.
func New(o Options) (*Server, error) {
	if o.Tree == nil || o.Accounts == nil || o.Routes == nil {
		return nil, errors.New("smtp: Tree, Accounts and Routes are required")
	}
	if o.Log == nil {
		o.Log = logs.Discard()
	}
	if o.Guard == nil {
		o.Guard = OpenGuard{}
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Committed == nil {
		o.Committed = func() {}
	}
	if o.SMTP.Threads < 1 {
		o.SMTP.Threads = 1
	}
	if o.SMTP.MaxRecipients < 1 {
		o.SMTP.MaxRecipients = config.DefaultMaxRecipients
	}
	if o.Server.Timeout <= 0 {
		o.Server.Timeout = 120 * time.Second
	}
	if o.SMTP.Mode < config.SMTPModeHELO || o.SMTP.Mode > config.SMTPModeBoth {
		o.SMTP.Mode = config.SMTPModeBoth
	}
	s := &Server{
		opt:      o,
		host:     o.Server.HostName,
		guard:    o.Guard,
		accounts: o.Accounts,
		log:      o.Log,
		now:      time.Now,
		spool:    treeSpool{o.Tree},
	}
	if s.host == "" {
		s.host = "localhost"
	}
	if o.Discard {
		s.spool = discardSpool{}
	}
	s.chaos = o.Chaos
	s.bufs.New = func() any { b := make([]byte, copyBuf); return &b }
	s.cap = newCapacity(o.Server.MinFreeDiskMB, o.SMTP.MaxQueued)
	s.slots = slots.New(o.SMTP.Threads)
	return s, nil
}

// Serve accepts connections on ln until ctx is cancelled, then closes ln,
// sends idle sessions 421 and gives sessions in a mail transaction up to
// Timeout to finish. It returns only after every session has ended: nil
// after cancellation, or the error that stopped accepting.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer ln.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !temporaryAccept(err) {
				return fmt.Errorf("smtp: accept: %w", err)
			}
			// Out of file descriptors or an aborted handshake: wait a
			// little, as net/http does, rather than spin.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warnf("SMTP", "accept: %v; retrying in %v", err, backoff)
			if !sleepCtx(ctx, backoff) {
				return nil
			}
			continue
		}
		backoff = 0
		// SMTPThreads bounds the greeted sessions (slots.go); the Guard
		// is asked first, so a connection over every limit is refused at
		// once, never left waiting for a greeting.
		admitted, ok := s.enter()
		if !ok {
			s.refuse(c)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(ctx, c, admitted)
		}()
	}
}

// refuse answers a connection over the limit of connections without a slot
// and closes it.
func (s *Server) refuse(c net.Conn) {
	id := s.nextID()
	r := replyBusy(s.host)
	s.log.SMTPRefused(logs.SMTPConn{ID: id, Client: clientIP(c).String()}, r.Error())
	// A fresh socket's send buffer is empty, so this write does not block;
	// the deadline is only a guard.
	c.SetWriteDeadline(s.now().Add(time.Second))
	io.WriteString(c, r.Error()+"\r\n")
	c.Close()
}

func (s *Server) nextID() string {
	return s.opt.TLS.IDPrefix + strconv.FormatUint(s.sessions.Add(1), 10)
}

// temporaryAccept reports whether an Accept error is worth retrying.
func temporaryAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ENOBUFS) ||
		errors.Is(err, syscall.ENOMEM) || temporaryAcceptOS(err)
}

// sleepCtx waits d or until ctx is done; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
