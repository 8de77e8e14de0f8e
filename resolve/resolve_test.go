package resolve

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"mailq/resolve/dnstest"
)

// newTest starts a scripted DNS server with the given records and returns a
// Resolver that asks it.
func newTest(t *testing.T, records ...string) (*Resolver, *dnstest.Server) {
	t.Helper()
	srv := dnstest.Start(t)
	srv.Add(records...)
	r, err := New(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return r, srv
}

// ctxFor returns a context that ends after d, cancelled at cleanup.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestServerAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "192.0.2.53", want: "192.0.2.53:53"},
		{in: "192.0.2.53:5353", want: "192.0.2.53:5353"},
		{in: "2001:db8::53", want: "[2001:db8::53]:53"},
		{in: "[2001:db8::53]", want: "[2001:db8::53]:53"},
		{in: "[2001:db8::53]:54", want: "[2001:db8::53]:54"},
		{in: "dns.example", want: "dns.example:53"},
		{in: "192.0.2.53:0", bad: true},
		{in: "192.0.2.53:x", bad: true},
		{in: ":53", bad: true},
		{in: "a b", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := serverAddr(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("serverAddr(%q) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("serverAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNewSystem(t *testing.T) {
	t.Parallel()
	// The test machine may have no resolv.conf; either way the result is a
	// working Resolver or the documented error.
	r, err := New("")
	if err != nil {
		if !errors.Is(err, ErrNoServers) {
			t.Fatalf("New(\"\"): %v, want ErrNoServers", err)
		}
		return
	}
	if len(r.Servers()) == 0 {
		t.Fatal("New(\"\") returned a Resolver without servers")
	}
}

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	r, srv := newTest(t, "ok.test. 60 IN A 192.0.2.1")
	srv.Set("fail.test", dnstest.ServFail)
	srv.Set("refused.test", dnstest.Refused)
	srv.Set("silent.test", dnstest.Silent)
	tests := []struct {
		name      string
		qtype     uint16
		kind      error // nil: success
		temporary bool
	}{
		{name: "ok.test", qtype: dns.TypeA},
		{name: "ok.test", qtype: dns.TypeMX}, // NODATA is a success for Query
		{name: "missing.test", qtype: dns.TypeA, kind: ErrNXDomain},
		{name: "fail.test", qtype: dns.TypeA, kind: ErrServerFailure, temporary: true},
		{name: "refused.test", qtype: dns.TypeA, kind: ErrRefused, temporary: true},
		{name: "silent.test", qtype: dns.TypeA, kind: ErrTimeout, temporary: true},
		{name: "bad..name", qtype: dns.TypeA, kind: ErrBadName},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
			t.Parallel()
			resp, err := r.Query(ctxFor(t, 300*time.Millisecond), tc.name, tc.qtype)
			if tc.kind == nil {
				if err != nil || resp == nil {
					t.Fatalf("Query: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Query: %v, want %v", err, tc.kind)
			}
			var e *Error
			if !errors.As(err, &e) || e.Temporary() != tc.temporary {
				t.Fatalf("Query: %#v, want Temporary() = %v", err, tc.temporary)
			}
			if tc.kind == ErrNXDomain && (resp == nil || len(resp.Ns) == 0) {
				t.Fatal("NXDOMAIN without the response and its SOA")
			}
		})
	}
}

func TestQueryTriesNextServer(t *testing.T) {
	t.Parallel()
	dead := dnstest.Start(t)
	dead.Set("host.test", dnstest.Silent)
	failing := dnstest.Start(t)
	failing.Set("host.test", dnstest.ServFail)
	good := dnstest.Start(t)
	good.Add("host.test. 60 IN A 192.0.2.7")
	r := &Resolver{servers: []string{dead.Addr, failing.Addr, good.Addr}, timeout: time.Second, attempts: 1}

	addrs, err := r.LookupA(ctxFor(t, 600*time.Millisecond), "host.test")
	if err != nil || len(addrs) != 1 || addrs[0].String() != "192.0.2.7" {
		t.Fatalf("LookupA = %v, %v", addrs, err)
	}
	if dead.Queries("host.test") != 1 || failing.Queries("host.test") != 1 {
		t.Errorf("queries: dead %d, failing %d; want 1 each", dead.Queries("host.test"), failing.Queries("host.test"))
	}
}

func TestQueryReportsAnswerOverSilence(t *testing.T) {
	t.Parallel()
	failing := dnstest.Start(t)
	failing.Set("host.test", dnstest.ServFail)
	dead := dnstest.Start(t)
	dead.Set("host.test", dnstest.Silent)
	r := &Resolver{servers: []string{failing.Addr, dead.Addr}, timeout: time.Second, attempts: 1}
	_, err := r.Query(ctxFor(t, 300*time.Millisecond), "host.test", dns.TypeA)
	if !errors.Is(err, ErrServerFailure) {
		t.Fatalf("Query: %v, want the SERVFAIL rather than the timeout", err)
	}
}

func TestQueryCancel(t *testing.T) {
	t.Parallel()
	r, srv := newTest(t)
	srv.Set("silent.test", dnstest.Silent)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := r.Query(ctx, "silent.test", dns.TypeA)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Query: %v, want context.Canceled", err)
	}
	// Without a deadline a try may take 5 s; cancelling must end it sooner.
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("Query took %v after cancel", d)
	}
}

func TestQueryNetworkError(t *testing.T) {
	t.Parallel()
	// A TCP-only listener: UDP to its port gets ICMP port unreachable on
	// most systems (a network error) or nothing (a timeout).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	r, err := New(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Query(ctxFor(t, 300*time.Millisecond), "x.test", dns.TypeA)
	if !errors.Is(err, ErrNetwork) && !errors.Is(err, ErrTimeout) {
		t.Fatalf("Query: %v, want ErrNetwork or ErrTimeout", err)
	}
	var e *Error
	if !errors.As(err, &e) || !e.Temporary() {
		t.Fatalf("Query: %v, want a temporary *Error", err)
	}
}

func TestTruncationUsesTCP(t *testing.T) {
	t.Parallel()
	r, srv := newTest(t, "big.test. 60 IN TXT \"first\"", "big.test. 60 IN TXT \"second\"")
	srv.Set("big.test", dnstest.Truncate)
	txts, err := r.LookupTXT(ctxFor(t, time.Second), "big.test")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(txts)
	if !slices.Equal(txts, []string{"first", "second"}) {
		t.Fatalf("LookupTXT = %q", txts)
	}
	if srv.TCPQueries("big.test") != 1 {
		t.Fatalf("TCP queries = %d, want 1", srv.TCPQueries("big.test"))
	}
}
