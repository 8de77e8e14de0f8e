package mailtest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// maxLine bounds one reply line: a broken or hostile server cannot make the
// tester read without end.
const maxLine = 64 << 10

// conn is one connection with its trace.
type conn struct {
	c       net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	tr      *tracer
	timeout time.Duration
}

// dial connects, with TLS from the first byte when asked.
func dial(ctx context.Context, o *Options, tr *tracer, timeout time.Duration) (*conn, error) {
	addr := o.addr()
	tr.notef("Connecting to %s", addr)
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	tr.notef("Connected to %s (%s) in %s", addr, c.RemoteAddr(), ms(tr.now().Sub(tr.sent)))
	cn := &conn{c: c, tr: tr, timeout: timeout}
	cn.r, cn.w = bufio.NewReader(c), bufio.NewWriter(c)
	if o.TLS == TLSImplicit {
		if err := cn.handshake(o); err != nil {
			c.Close()
			return nil, err
		}
	}
	return cn, nil
}

func (cn *conn) close() { cn.c.Close() }

// handshake turns the connection into TLS and shows what was agreed. A
// certificate that does not verify fails the test unless /NOVERIFY.
func (cn *conn) handshake(o *Options) error {
	host := strings.TrimSuffix(strings.TrimPrefix(o.Server, "["), "]")
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.NoVerify}
	tc := tls.Client(cn.c, cfg)
	cn.c.SetDeadline(time.Now().Add(cn.timeout))
	start := cn.tr.now()
	if err := tc.Handshake(); err != nil {
		hint := ""
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) {
			hint = " (a self-signed test server? add /NOVERIFY)"
		}
		return fmt.Errorf("TLS handshake failed: %w%s", err, hint)
	}
	st := tc.ConnectionState()
	verified := "verified"
	if o.NoVerify {
		verified = "not verified (/NOVERIFY)"
	}
	cn.tr.notef("TLS %s, %s, certificate %s, in %s", tls.VersionName(st.Version),
		tls.CipherSuiteName(st.CipherSuite), verified, ms(cn.tr.now().Sub(start)))
	if len(st.PeerCertificates) > 0 {
		leaf := st.PeerCertificates[0]
		cn.tr.notef("Certificate: %s, SHA-256 %x", leaf.Subject.CommonName, sha256.Sum256(leaf.Raw))
	}
	cn.c = tc
	// Anything the server sent before the handshake is gone with the old
	// reader (RFC 3207 §4.2): read only what comes under TLS.
	cn.r, cn.w = bufio.NewReader(tc), bufio.NewWriter(tc)
	return nil
}

// send writes one command line and shows it.
func (cn *conn) send(line string) error {
	cn.tr.clientLine(line)
	return cn.sendRaw(line)
}

// sendSecret writes a line that is all secret; the trace shows stars.
func (cn *conn) sendSecret(line string) error {
	cn.tr.secretLine()
	return cn.sendRaw(line)
}

func (cn *conn) sendRaw(line string) error {
	cn.c.SetDeadline(time.Now().Add(cn.timeout))
	if _, err := cn.w.WriteString(line + "\r\n"); err != nil {
		return err
	}
	return cn.w.Flush()
}

// line reads one line without its CRLF.
func (cn *conn) line() (string, error) {
	cn.c.SetDeadline(time.Now().Add(cn.timeout))
	var b []byte
	for {
		part, more, err := cn.r.ReadLine()
		if err != nil {
			return "", fmt.Errorf("reading the server's reply: %w", err)
		}
		b = append(b, part...)
		if len(b) > maxLine {
			return "", fmt.Errorf("the server sent a line longer than %d bytes", maxLine)
		}
		if !more {
			return string(b), nil
		}
	}
}

// reply is one SMTP reply (RFC 5321 §4.2).
type reply struct {
	code  int
	lines []string // text after the code and separator
}

func (r reply) text() string { return strings.Join(r.lines, " ") }

// smtpReply reads a whole, possibly multi-line, reply.
func (cn *conn) smtpReply() (reply, error) {
	var rp reply
	for {
		l, err := cn.line()
		if err != nil {
			return rp, err
		}
		code, sep, text, ok := splitReply(l)
		if !ok || (rp.code != 0 && code != rp.code) {
			cn.tr.serverLine(l, true)
			return rp, fmt.Errorf("malformed reply line %q", printable(l))
		}
		rp.code = code
		rp.lines = append(rp.lines, text)
		last := sep != '-'
		cn.tr.serverLine(l, last)
		if last {
			return rp, nil
		}
	}
}

func splitReply(l string) (code int, sep byte, text string, ok bool) {
	if len(l) < 3 {
		return 0, 0, "", false
	}
	n, err := strconv.Atoi(l[:3])
	if err != nil || n < 200 || n > 599 {
		return 0, 0, "", false
	}
	if len(l) == 3 {
		return n, ' ', "", true
	}
	if l[3] != ' ' && l[3] != '-' {
		return 0, 0, "", false
	}
	return n, l[3], l[4:], true
}

// popLine reads one POP3 status line and reports whether it is +OK.
func (cn *conn) popLine() (string, bool, error) {
	l, err := cn.line()
	if err != nil {
		return "", false, err
	}
	cn.tr.serverLine(l, true)
	return l, strings.HasPrefix(l, "+OK"), nil
}
