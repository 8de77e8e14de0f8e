package pop3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"mailq/config"
	"mailq/logs"
	"mailq/queue"
	"mailq/slots"
)

// Accounts is what the server asks about accounts; *accounts.Store has it.
// As in smtp, the seam is the few checks the server makes, not the store:
// the server cannot change an account, and a test can stand in for them.
// Errors of the checks are logged, never shown to the client (replyFor).
type Accounts interface {
	CheckPassword(addr, password string) error
	CheckAPOP(addr, timestamp, digestHex string) error
	CheckCRAMMD5(addr, challenge, digestHex string) error
}

// Options is everything a Server needs: the configuration sections it reads
// and the shared parts main wires in.
type Options struct {
	// Server is [Config]'s shared keys: HostName, Timeout, HTTPGet, Motd,
	// Debug, NoBackSpace, Test.
	Server config.Server
	// POP is the POP3 keys: Threads, RenameOnDelete, Welcome.
	// RPOP is not supported and ignored here (main refuses to start with it).
	POP config.POP
	// MotdPath is the file of MOTD lines (Paths.Motd).
	MotdPath string

	Tree     *queue.Tree
	Accounts Accounts
	Log      *logs.Logger
	// Guard is asked at connect and told about logins; nil is AllowAll.
	Guard Guard

	// Version and ExeName are for the IMPLEMENTATION capability and the
	// $ver and $exename macros; Getenv for $env.NAME^ (nil: none).
	Version string
	ExeName string
	Getenv  func(string) string
	// FailDelay is how long after a failed login attempt its answer comes:
	// it slows password guessing and hides how long the check took.
	FailDelay time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// TLS is STLS and implicit TLS (stls.go).
	TLS TLSOptions
	// Capture is capture mode (capture.go).
	Capture config.Capture
}

// Server is the POP3 server of one instance.
type Server struct {
	opt    Options
	slots  *slots.Pool // POPThreads, shared between addresses (slots.go)
	sizes  sizeCache
	host   string // the domain of APOP timestamps
	pid    int
	nextID atomic.Uint64

	mu   sync.Mutex
	down context.CancelFunc // DOWN (debug): stops Serve

	// noRecover lets tests see panics instead of recovering them.
	noRecover bool
}

// New returns a Server for o. It checks that the shared parts are present.
func New(o Options) (*Server, error) {
	if o.Tree == nil || o.Accounts == nil || o.Log == nil {
		return nil, errors.New("pop3: Options need Tree, Accounts and Log")
	}
	if o.Guard == nil {
		o.Guard = AllowAll{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Server.Timeout <= 0 {
		o.Server.Timeout = 10 * time.Minute // RFC 1939 §3: at least 10 minutes if unset
	}
	threads := max(o.POP.Threads, 1)
	host := o.Server.HostName
	if host == "" {
		host = "localhost"
	}
	return &Server{
		opt:   o,
		slots: slots.New(threads),
		sizes: sizeCache{users: map[string]map[queue.ID]cachedSize{}},
		host:  host,
		pid:   os.Getpid(),
	}, nil
}

// Serve accepts connections on ln until ctx is cancelled (or a debug DOWN
// command), then closes ln, tells idle sessions the server is going away,
// gives sessions in the middle of a command until Timeout, and returns when
// every session has ended. It returns nil after a shut-down and an error if
// ln fails.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.down = cancel
	s.mu.Unlock()

	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer ln.Close()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("pop3: accept: %w", err)
			}
			// Out of file descriptors and the like: wait a little and
			// try again, as net/http does, instead of spinning.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.opt.Log.Errorf("POP3", "accept: %v (retrying in %v)", err, backoff)
			select {
			case <-time.After(backoff):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		backoff = 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(ctx, nc)
		}()
	}
}

// shutdown stops Serve as a cancelled context would (the DOWN command).
func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down != nil {
		s.down()
	}
}

// handle runs one connection: the Guard, the session slot, then the
// session. The Guard comes first, so a blocked or over-limit client never
// takes a slot.
func (s *Server) handle(ctx context.Context, nc net.Conn) {
	defer nc.Close()
	id := s.opt.TLS.IDPrefix + fmt.Sprint(s.nextID.Add(1))
	ip := remoteIP(nc)
	release, err := s.opt.Guard.Connect(ip)
	if err != nil {
		s.opt.Log.POP3Refused(id, ip.String(), err.Error())
		s.refuse(nc, guardReply(err))
		return
	}
	if release != nil {
		defer release()
	}
	releaseSlot, ok := s.slots.Acquire(ip, s.slotExempt(ip))
	if !ok {
		// No slot this address may take: refuse at once, never leave the
		// client hanging.
		s.opt.Log.POP3Refused(id, ip.String(), fmt.Sprintf("no free session slot of %d", s.slots.Size()))
		s.refuse(nc, replyBusy)
		return
	}
	defer releaseSlot()
	c := newConn(s, ctx, nc, id, ip)
	c.serve()
}

// refuse sends r on a connection that gets no session.
func (s *Server) refuse(nc net.Conn, r Reply) {
	nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	nc.Write([]byte(r.status() + "\r\n"))
}

// guardReply is the reply for a Guard's refusal; it always closes.
func guardReply(err error) Reply {
	var r Reply
	if !errors.As(err, &r) {
		r = replyRefused
	}
	r.OK, r.Multi, r.Close = false, false, true
	return r
}

func remoteIP(nc net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(nc.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
