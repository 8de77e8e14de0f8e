package mailtest

import (
	"fmt"
	"strconv"
	"strings"
)

// Exit codes, as the original's manual gives them. Scripts test these
// numbers, so they never change meaning.
const (
	ExitOK          = 0  // SMTP or POP3 success
	ExitUsage       = 1  // too many (or unknown, or missing) command-line arguments
	ExitPOPAuth     = 2  // POP3 authentication failed (or the POP3 server could not be reached)
	ExitAPOPNoStamp = 3  // POP3 APOP: the greeting carried no timestamp
	ExitNoSender    = 4  // SMTP mode must have a sender
	ExitNoRecipient = 5  // SMTP mode must have a recipient
	ExitAuthPlain   = 6  // SMTP AUTH PLAIN failed
	ExitAuthLogin   = 7  // SMTP AUTH LOGIN failed
	ExitAuthCRAM    = 8  // SMTP AUTH CRAM-MD5 failed
	ExitCRAMNoReply = 9  // SMTP AUTH CRAM-MD5: no challenge from the server
	ExitSMTPFailure = 10 // SMTP failure (see the reply in the trace)
)

// Auth is the login method.
type Auth int

const (
	AuthNone  Auth = iota // SMTP: none; POP3: USER/PASS
	AuthPlain             // SMTP AUTH PLAIN
	AuthLogin             // SMTP AUTH LOGIN
	AuthCRAM              // SMTP AUTH CRAM-MD5
	AuthAPOP              // POP3 APOP
	AuthRPOP              // POP3 RPOP (RFC 1081)
	AuthBest              // SMTP: a password without a mechanism switch
)

// TLSMode says whether and how the connection is encrypted.
type TLSMode int

const (
	TLSNone     TLSMode = iota
	TLSStart            // STARTTLS (SMTP) or STLS (POP3) after the greeting
	TLSImplicit         // TLS from the first byte (ports 465 and 995)
)

// Options is one parsed command line.
type Options struct {
	POP      bool
	Server   string
	Port     int // 0: the protocol's default for the TLS mode
	EHLO     bool
	Auth     Auth
	TLS      TLSMode
	NoVerify bool // accept any certificate (self-signed test servers)
	HTML     bool
	Size     int // body bytes; 0: a short message
	Count    int // messages to send in one session (at least 1)

	From, To string // SMTP
	User     string // POP3
	Password string
	Help     bool
}

// maxSize bounds /SIZE so a typo cannot make the tester build a message
// larger than any server takes.
const maxSize = 1 << 30

// UsageError is a command line that cannot be run. Code is the exit code.
type UsageError struct {
	Code int
	Msg  string
}

func (e *UsageError) Error() string { return e.Msg }

func usage(code int, format string, args ...any) error {
	return &UsageError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads the original's command line: positional arguments in order,
// switches (/NAME or /NAME:value, also -NAME) anywhere, case-insensitive.
func Parse(args []string) (*Options, error) {
	o := &Options{Count: 1}
	var pos []string
	for _, a := range args {
		if isSwitch(a) {
			if err := o.setSwitch(a[1:]); err != nil {
				return nil, err
			}
			continue
		}
		pos = append(pos, a)
	}
	if o.Help {
		return o, nil
	}
	if err := o.checkCombination(); err != nil {
		return nil, err
	}
	if o.POP {
		return o, o.setPOP(pos)
	}
	return o, o.setSMTP(pos)
}

// isSwitch: "/X" or "-X", but not "<>" nor a lone "-" or "/".
func isSwitch(a string) bool {
	return len(a) > 1 && (a[0] == '/' || a[0] == '-')
}

func (o *Options) setSwitch(s string) error {
	name, val, hasVal := strings.Cut(s, ":")
	if !hasVal {
		name, val, hasVal = strings.Cut(s, "=")
	}
	name = strings.ToUpper(strings.TrimLeft(name, "-"))
	flag := func(p *bool) error {
		if hasVal {
			return usage(ExitUsage, "/%s takes no value", name)
		}
		*p = true
		return nil
	}
	auth := func(a Auth) error {
		if o.Auth != AuthNone && o.Auth != a {
			return usage(ExitUsage, "choose one login method")
		}
		o.Auth = a
		return nil
	}
	tls := func(m TLSMode) error {
		if o.TLS != TLSNone && o.TLS != m {
			return usage(ExitUsage, "/STARTTLS and /TLS exclude each other")
		}
		o.TLS = m
		return nil
	}
	switch name {
	case "?", "H", "HELP":
		o.Help = true
	case "POP", "POP3":
		return flag(&o.POP)
	case "SMTP":
		o.POP = false
	case "EHLO":
		return flag(&o.EHLO)
	case "HTML":
		return flag(&o.HTML)
	case "NOVERIFY":
		return flag(&o.NoVerify)
	case "APOP":
		return auth(AuthAPOP)
	case "RPOP":
		return auth(AuthRPOP)
	case "AUTHPLAIN":
		return auth(AuthPlain)
	case "AUTHLOGIN":
		return auth(AuthLogin)
	case "AUTHCRAM":
		return auth(AuthCRAM)
	case "STARTTLS", "STLS":
		return tls(TLSStart)
	case "TLS", "SSL":
		return tls(TLSImplicit)
	case "PORT":
		return number(&o.Port, name, val, 1, 65535)
	case "SIZE":
		return number(&o.Size, name, val, 1, maxSize)
	case "COUNT":
		return number(&o.Count, name, val, 1, 100000)
	default:
		return usage(ExitUsage, "unknown switch /%s", name)
	}
	return nil
}

func number(p *int, name, val string, lo, hi int) error {
	n, err := strconv.Atoi(strings.TrimSpace(val))
	if err != nil || n < lo || n > hi {
		return usage(ExitUsage, "/%s needs a number from %d to %d, not %q", name, lo, hi, val)
	}
	*p = n
	return nil
}

// checkCombination refuses switches that belong to the other protocol.
func (o *Options) checkCombination() error {
	switch {
	case o.POP && (o.Auth == AuthPlain || o.Auth == AuthLogin || o.Auth == AuthCRAM):
		return usage(ExitUsage, "/AUTHPLAIN, /AUTHLOGIN and /AUTHCRAM are SMTP switches; POP3 logs in with USER/PASS, /APOP or /RPOP")
	case !o.POP && (o.Auth == AuthAPOP || o.Auth == AuthRPOP):
		return usage(ExitUsage, "/APOP and /RPOP need /POP")
	case o.POP && (o.EHLO || o.HTML || o.Size > 0 || o.Count > 1):
		return usage(ExitUsage, "/EHLO, /HTML, /SIZE and /COUNT are SMTP switches")
	}
	return nil
}

func (o *Options) setSMTP(pos []string) error {
	switch {
	case len(pos) > 4:
		return usage(ExitUsage, "too many arguments: %q", pos[4:])
	case len(pos) == 0:
		return usage(ExitUsage, "no server given")
	case len(pos) == 1:
		return usage(ExitNoSender, "SMTP mode must have a sender (use \"<>\" for none)")
	case len(pos) == 2:
		return usage(ExitNoRecipient, "SMTP mode must have a recipient")
	}
	o.Server, o.From, o.To = pos[0], unbracket(pos[1]), unbracket(pos[2])
	if o.To == "" {
		return usage(ExitNoRecipient, "SMTP mode must have a recipient")
	}
	if len(pos) == 4 {
		o.Password = pos[3]
		if o.Auth == AuthNone {
			o.Auth = AuthBest
		}
	}
	if o.Auth != AuthNone {
		if o.Password == "" {
			return usage(ExitUsage, "a login needs a password after the recipient")
		}
		if o.From == "" {
			return usage(ExitUsage, "a login needs the sender's address as the user name, not <>")
		}
		// AUTH is an ESMTP extension (RFC 4954): it needs EHLO.
		o.EHLO = true
	}
	if o.TLS == TLSStart {
		o.EHLO = true // STARTTLS is an ESMTP extension (RFC 3207)
	}
	return nil
}

func (o *Options) setPOP(pos []string) error {
	want := 3
	if o.Auth == AuthRPOP {
		want = 2 // RPOP sends no password
	}
	switch {
	case len(pos) > want:
		return usage(ExitUsage, "too many arguments: %q", pos[want:])
	case len(pos) == 0:
		return usage(ExitUsage, "no server given")
	case len(pos) == 1:
		return usage(ExitUsage, "POP3 mode needs a user id")
	case len(pos) < want:
		return usage(ExitUsage, "POP3 mode needs a password after the user id")
	}
	o.Server, o.User = pos[0], pos[1]
	if want == 3 {
		o.Password = pos[2]
	}
	return nil
}

// unbracket accepts "<a@b>" as well as "a@b"; "<>" is the null sender.
func unbracket(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">")
}

// addr is host:port, with the default port of the protocol and TLS mode.
func (o *Options) addr() string {
	port := o.Port
	if port == 0 {
		switch {
		case o.POP && o.TLS == TLSImplicit:
			port = 995 // RFC 8314 §7.3
		case o.POP:
			port = 110
		case o.TLS == TLSImplicit:
			port = 465 // RFC 8314 §7.3
		default:
			port = 25
		}
	}
	host := strings.TrimSuffix(strings.TrimPrefix(o.Server, "["), "]")
	return joinHostPort(host, port)
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// Usage is the /? text.
const Usage = `mailtest: test an SMTP or POP3 server.

  mailtest server mail-from rcpt-to [password] [/switches]   send a test message
  mailtest server userid password /POP [/APOP] [/switches]  log in, show message 1's headers
  mailtest server userid /POP /RPOP [/switches]             log in with RPOP

  /POP         POP3 mode (default: SMTP)
  /SMTP        SMTP mode
  /PORT:n      port (default 25 SMTP, 110 POP3; 465 and 995 with /TLS)
  /EHLO        greet with EHLO (default HELO; implied by a login or /STARTTLS)
  /AUTHPLAIN   SMTP login with AUTH PLAIN (user name: the sender's address)
  /AUTHLOGIN   SMTP login with AUTH LOGIN
  /AUTHCRAM    SMTP login with AUTH CRAM-MD5
               (a password without one of these picks CRAM-MD5, PLAIN or LOGIN,
               in that order, from what the server offers)
  /APOP        POP3 login with APOP
  /RPOP        POP3 login with RPOP
  /HTML        send an HTML message (default plain text)
  /STARTTLS    upgrade to TLS after the greeting (STARTTLS, or STLS with /POP)
  /TLS         TLS from the start (implicit TLS)
  /NOVERIFY    accept any server certificate (self-signed test servers)
  /SIZE:n      make the message body n bytes
  /COUNT:n     send n messages in one session

Exit codes: 0 success, 1 bad command line, 2 POP3 login failed (or server
unreachable), 3 APOP greeting had no timestamp, 4 no sender, 5 no recipient,
6 AUTH PLAIN failed, 7 AUTH LOGIN failed, 8 AUTH CRAM-MD5 failed, 9 no CRAM-MD5
challenge, 10 SMTP failure (see the trace).
`
