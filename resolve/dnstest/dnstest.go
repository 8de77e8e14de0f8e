// Package dnstest runs a scripted DNS server on loopback for the tests of
// resolve, dnsbl and the MXA: records given as zone-file lines, and names that
// answer SERVFAIL, REFUSED, a truncated UDP answer, or nothing at all.
//
// It is for tests only and must not be imported by mailq's own code.
package dnstest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Behaviour is how the server answers a name.
type Behaviour int

const (
	Normal   Behaviour = iota // the records added, NODATA or NXDOMAIN
	Silent                    // no answer at all
	ServFail                  // RCODE 2
	Refused                   // RCODE 5
	Truncate                  // over UDP an empty answer with TC set; over TCP normal
)

// NegTTL is the TTL and minimum of the SOA sent with NXDOMAIN and NODATA
// answers unless changed with SetNegTTL.
const NegTTL = 300

// Server is a DNS server listening on 127.0.0.1 (UDP and TCP on one port).
type Server struct {
	// Addr is host:port, for resolve.New.
	Addr string

	t      testing.TB
	mu     sync.Mutex
	rrs    map[string][]dns.RR // by lower-case FQDN
	behave map[string]Behaviour
	hits   map[string]int // by lower-case FQDN and "/tcp"
	negTTL uint32
}

// Start starts a server and registers its shutdown with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:      t,
		rrs:    map[string][]dns.RR{},
		behave: map[string]Behaviour{},
		hits:   map[string]int{},
		negTTL: NegTTL,
	}
	pc, ln := listen(t)
	s.Addr = pc.LocalAddr().String()
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: s}, {Listener: ln, Handler: s}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = srv.ActivateAndServe()
		}()
		<-started
		t.Cleanup(func() {
			_ = srv.Shutdown()
			<-done
		})
	}
	return s
}

// listen binds UDP on a free port and TCP on the same one. The kernel picks
// the UDP port; if TCP on it is taken, another is picked.
func listen(t testing.TB) (net.PacketConn, net.Listener) {
	var err error
	for range 20 {
		var pc net.PacketConn
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			continue
		}
		var ln net.Listener
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			return pc, ln
		}
		pc.Close()
	}
	t.Fatalf("dnstest: listen: %v", err)
	return nil, nil
}

// Add adds records given as zone-file lines ("mx.test. 300 IN MX 10 a.test.").
func (s *Server) Add(lines ...string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil || rr == nil {
			s.t.Fatalf("dnstest: bad record %q: %v", l, err)
		}
		k := key(rr.Header().Name)
		s.rrs[k] = append(s.rrs[k], rr)
	}
}

// Set makes the server answer every question about name with b.
func (s *Server) Set(name string, b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behave[key(name)] = b
}

// SetFor makes the server answer questions of type qtype about name with b;
// it takes precedence over Set.
func (s *Server) SetFor(name string, qtype uint16, b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behave[key(name)+"/"+dns.TypeToString[qtype]] = b
}

// SetNegTTL changes the TTL of the SOA sent with negative answers.
func (s *Server) SetNegTTL(ttl uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.negTTL = ttl
}

// Queries returns how many questions about name arrived (UDP and TCP).
func (s *Server) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[key(name)]
}

// TCPQueries returns how many questions about name arrived over TCP.
func (s *Server) TCPQueries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[key(name)+"/tcp"]
}

func key(name string) string { return strings.ToLower(dns.Fqdn(name)) }

// ServeDNS answers one question.
func (s *Server) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	if len(q.Question) != 1 {
		return
	}
	qn := q.Question[0]
	k := key(qn.Name)
	_, tcp := w.LocalAddr().(*net.TCPAddr)

	s.mu.Lock()
	s.hits[k]++
	if tcp {
		s.hits[k+"/tcp"]++
	}
	b, ok := s.behave[k+"/"+dns.TypeToString[qn.Qtype]]
	if !ok {
		b = s.behave[k]
	}
	rrs := s.rrs[k]
	soa := &dns.SOA{
		Hdr:     dns.RR_Header{Name: "test.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: s.negTTL},
		Ns:      "ns.test.",
		Mbox:    "hostmaster.test.",
		Serial:  1,
		Refresh: 3600,
		Retry:   600,
		Expire:  86400,
		Minttl:  s.negTTL,
	}
	s.mu.Unlock()

	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	switch {
	case b == Silent:
		return
	case b == ServFail:
		m.Rcode = dns.RcodeServerFailure
	case b == Refused:
		m.Rcode = dns.RcodeRefused
	case b == Truncate && !tcp:
		m.Truncated = true
	case len(rrs) == 0:
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{soa}
	default:
		for _, rr := range rrs {
			if rr.Header().Rrtype == qn.Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		if len(m.Answer) == 0 {
			m.Ns = []dns.RR{soa}
		}
	}
	_ = w.WriteMsg(m)
}
