package resolve

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Kinds of failure. An *Error matches exactly one of them with errors.Is.
var (
	// ErrNXDomain: the name does not exist (RCODE 3). Permanent.
	ErrNXDomain = errors.New("resolve: no such domain")
	// ErrNoData: the name exists but has no records of the type asked for.
	// Permanent.
	ErrNoData = errors.New("resolve: no records of that type")
	// ErrNoMX: the domain exists and has no MX records. The MXA then uses the
	// domain's own A/AAAA records as an implicit MX (RFC 5321 §5.1).
	ErrNoMX = errors.New("resolve: no MX records")
	// ErrNullMX: the domain publishes the null MX of RFC 7505 and accepts no
	// mail. Permanent.
	ErrNullMX = errors.New("resolve: domain accepts no mail (null MX)")
	// ErrServerFailure: SERVFAIL, or another error RCODE such as FORMERR or
	// NOTIMP, from every server. Temporary.
	ErrServerFailure = errors.New("resolve: server failure")
	// ErrRefused: the server refused to answer (RCODE 5). Temporary: the
	// next server, or a later try, may answer.
	ErrRefused = errors.New("resolve: query refused")
	// ErrTimeout: no answer before the deadline. Temporary.
	ErrTimeout = errors.New("resolve: timed out")
	// ErrNetwork: the query could not be sent or its answer not read, or the
	// answer was malformed. Temporary.
	ErrNetwork = errors.New("resolve: network error")
	// ErrBadName: the name asked for is not a valid domain name. Permanent.
	ErrBadName = errors.New("resolve: not a valid domain name")
)

// ErrNoServers is returned by New when no DNS server is configured.
var ErrNoServers = errors.New("resolve: no DNS server configured")

// Error is a failed lookup.
type Error struct {
	Name   string // the name asked for
	Type   uint16 // the query type (dns.TypeA...)
	Server string // the server whose answer decided the error; "" if none
	// Kind is one of the package's Err values, or context.Canceled when the
	// caller cancelled the lookup.
	Kind  error
	Rcode int   // the response code, when a server answered
	Err   error // the underlying network or parse error, if any
}

func (e *Error) Error() string {
	kind := e.Kind.Error()
	if !strings.HasPrefix(kind, "resolve: ") {
		kind = "resolve: " + kind
	}
	s := fmt.Sprintf("%s: %s %s", kind, e.Name, dns.TypeToString[e.Type])
	if e.Rcode != dns.RcodeSuccess {
		s += " (" + dns.RcodeToString[e.Rcode] + ")"
	}
	if e.Server != "" {
		s += " from " + e.Server
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap lets errors.Is match both the kind and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Temporary reports whether the same lookup may succeed later.
func (e *Error) Temporary() bool {
	switch e.Kind {
	case ErrNXDomain, ErrNoData, ErrNoMX, ErrNullMX, ErrBadName:
		return false
	}
	return true
}

// Timeout reports whether the lookup ran out of time.
func (e *Error) Timeout() bool { return e.Kind == ErrTimeout }

// rank orders kinds for choosing which failure to report when every server
// failed: a server's explicit answer says more than silence.
func rank(kind error) int {
	switch kind {
	case ErrServerFailure, ErrRefused:
		return 3
	case ErrNetwork:
		return 2
	case ErrTimeout:
		return 1
	}
	return 0
}

// ctxKind maps a finished context to the kind of failure it means.
func ctxKind(err error) error {
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return ErrTimeout
}
