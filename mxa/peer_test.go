package mxa

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/wire"
)

// peer is a scripted SMTP server on loopback: the other end of the agent's
// deliveries. Its fields choose how it answers; set them before the first
// connection. It records every session.
type peer struct {
	Greeting   string                      // "" means "220 peer.test ESMTP"
	Ext        []string                    // EHLO keywords; nil means PIPELINING, SIZE 10000000, 8BITMIME, ENHANCEDSTATUSCODES
	NoEHLO     bool                        // answer EHLO with 502, so the client falls back to HELO
	EHLOReply  string                      // answer EHLO with this instead (e.g. a 500)
	HELOReply  string                      // answer HELO with this; "" means 250
	Mail       func(arg string) string     // reply to MAIL; nil means 250
	Rcpt       func(addr string) string    // reply to RCPT; nil means 250
	DataEnd    func(s *peerSession) string // reply to the final dot; nil means 250
	DataReply  string                      // reply to DATA instead of 354 (with recipients)
	Hang       bool                        // say nothing after connecting
	HangAt     string                      // stop answering at this command (e.g. "DATA-END")
	DropInData bool                        // close the connection in the middle of the data
	TLS        *tls.Config                 // offer STARTTLS with this configuration
	Implicit   bool                        // with TLS: TLS from the first byte (SMTPS), no STARTTLS
	Users      map[string]string           // offer AUTH PLAIN LOGIN for these accounts

	ln   net.Listener
	Addr netip.AddrPort

	mu       sync.Mutex
	sessions []*peerSession
	wg       sync.WaitGroup
}

// peerSession is what one connection did.
type peerSession struct {
	Helo     string
	TLS      bool
	User     string
	Mech     string // the SASL mechanism of AUTH
	MailArg  string
	Rcpts    []string
	RcptArgs []string // the parameters after each accepted address, "" if none
	Data     string
	Accepted bool // the final dot was answered 2yz
	Batched  bool // more commands were waiting when MAIL was read
	Quit     bool // QUIT was received
}

// startPeer starts p on 127.0.0.1 and stops it at the end of the test.
func startPeer(t testing.TB, p *peer) *peer {
	t.Helper()
	return startPeerListener(t, p, "127.0.0.1", 0)
}

// startPeerListener starts p on ip:port (0: any free port). A loopback
// address other than 127.0.0.1 that cannot be used skips the test.
func startPeerListener(t testing.TB, p *peer, ip string, port uint16) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr(ip), port).String())
	if err != nil {
		if ip != "127.0.0.1" {
			testutil.Unavailable(t, "cannot listen on %s: %v", ip, err)
		}
		t.Fatal(err)
	}
	p.ln = ln
	p.Addr = netip.MustParseAddrPort(ln.Addr().String())
	var cmu sync.Mutex
	var open []net.Conn
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cmu.Lock()
			open = append(open, c)
			cmu.Unlock()
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer c.Close()
				p.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		cmu.Lock()
		for _, c := range open {
			c.Close()
		}
		cmu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *peer) set(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
}

// Sessions returns a copy of the sessions so far.
func (p *peer) Sessions() []peerSession {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]peerSession, len(p.sessions))
	for i, s := range p.sessions {
		out[i] = *s
	}
	return out
}

// Delivered returns the recipients of accepted messages, in order.
func (p *peer) Delivered() []string {
	var out []string
	for _, s := range p.Sessions() {
		if s.Accepted {
			out = append(out, s.Rcpts...)
		}
	}
	return out
}

func (p *peer) serve(c net.Conn) {
	s := &peerSession{}
	p.mu.Lock()
	p.sessions = append(p.sessions, s)
	p.mu.Unlock()
	if p.Hang {
		io.Copy(io.Discard, c)
		return
	}
	if p.Implicit {
		tc := tls.Server(c, p.TLS)
		if tc.Handshake() != nil {
			return
		}
		c = tc
		p.set(func() { s.TLS = true })
	}
	br := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	say := func(lines ...string) {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		if br.Buffered() == 0 {
			w.Flush()
		}
	}
	greeting := p.Greeting
	if greeting == "" {
		greeting = "220 peer.test ESMTP"
	}
	say(greeting)
	w.Flush()
	for {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if p.HangAt == verb {
			io.Copy(io.Discard, br)
			return
		}
		switch verb {
		case "EHLO":
			if p.NoEHLO {
				say("502 5.5.1 EHLO not implemented")
				continue
			}
			if p.EHLOReply != "" {
				say(p.EHLOReply)
				continue
			}
			p.set(func() { s.Helo = arg })
			say(p.ehloReply(s.TLS)...)
		case "HELO":
			if p.HELOReply != "" {
				say(p.HELOReply)
				continue
			}
			p.set(func() { s.Helo = arg })
			say("250 peer.test")
		case "STARTTLS":
			if p.TLS == nil || s.TLS {
				say("502 5.5.1 no")
				continue
			}
			say("220 2.0.0 go ahead")
			w.Flush()
			tc := tls.Server(c, p.TLS)
			if tc.Handshake() != nil {
				return
			}
			c = tc
			p.set(func() { s.TLS = true })
			br, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case "AUTH":
			user := p.auth(arg, br, say)
			mech, _, _ := strings.Cut(arg, " ")
			p.set(func() { s.User, s.Mech = user, strings.ToUpper(mech) })
		case "MAIL":
			batched := br.Buffered() > 0 // the RCPTs came with MAIL (RFC 2920)
			p.set(func() { s.MailArg, s.Rcpts, s.Batched = arg, nil, batched })
			if p.Mail != nil {
				say(p.Mail(arg))
			} else {
				say("250 2.1.0 OK")
			}
		case "RCPT":
			addr, params, _ := strings.Cut(strings.TrimPrefix(arg, "TO:<"), ">")
			r := "250 2.1.5 OK"
			if p.Rcpt != nil {
				r = p.Rcpt(addr)
			}
			if strings.HasPrefix(r, "2") {
				p.set(func() { s.Rcpts, s.RcptArgs = append(s.Rcpts, addr), append(s.RcptArgs, strings.TrimSpace(params)) })
			}
			say(r)
		case "DATA":
			if len(s.Rcpts) == 0 {
				say("554 5.5.1 no valid recipients")
				continue
			}
			if p.DataReply != "" {
				say(p.DataReply)
				continue
			}
			say("354 go on")
			w.Flush()
			if p.DropInData {
				br.ReadString('\n')
				return
			}
			data, err := io.ReadAll(wire.NewDataReader(br, 0))
			if err != nil {
				return
			}
			p.set(func() { s.Data = string(data) })
			if p.HangAt == "DATA-END" {
				io.Copy(io.Discard, br)
				return
			}
			r := "250 2.0.0 queued"
			if p.DataEnd != nil {
				r = p.DataEnd(s)
			}
			p.set(func() { s.Accepted = strings.HasPrefix(r, "2") })
			say(r)
		case "RSET":
			say("250 2.0.0 OK")
		case "QUIT":
			p.set(func() { s.Quit = true })
			say("221 2.0.0 bye")
			w.Flush()
			return
		default:
			say("502 5.5.1 unknown command")
		}
	}
}

func (p *peer) ehloReply(tlsOn bool) []string {
	ext := p.Ext
	if ext == nil {
		ext = []string{"PIPELINING", "SIZE 10000000", "8BITMIME", "ENHANCEDSTATUSCODES"}
	}
	if p.TLS != nil && !tlsOn {
		ext = append(ext[:len(ext):len(ext)], "STARTTLS")
	}
	if p.Users != nil && !slices.ContainsFunc(ext, func(e string) bool { return strings.HasPrefix(e, "AUTH") }) {
		ext = append(ext[:len(ext):len(ext)], "AUTH PLAIN LOGIN")
	}
	out := []string{"250-peer.test"}
	for i, e := range ext {
		sep := "-"
		if i == len(ext)-1 {
			sep = " "
		}
		out = append(out, "250"+sep+e)
	}
	if len(ext) == 0 {
		out[0] = "250 peer.test"
	}
	return out
}

// auth runs AUTH PLAIN or LOGIN and returns the user logged in, or "".
func (p *peer) auth(arg string, br *bufio.Reader, say func(...string)) string {
	mech, ir, _ := strings.Cut(arg, " ")
	read := func() string {
		l, _ := br.ReadString('\n')
		return strings.TrimRight(l, "\r\n")
	}
	dec := func(s string) string { b, _ := base64.StdEncoding.DecodeString(s); return string(b) }
	var user, pass string
	switch strings.ToUpper(mech) {
	case "PLAIN":
		if ir == "" {
			say("334 ")
			ir = read()
		}
		parts := strings.Split(dec(ir), "\x00")
		if len(parts) == 3 {
			user, pass = parts[1], parts[2]
		}
	case "LOGIN":
		if ir == "" {
			say("334 " + base64.StdEncoding.EncodeToString([]byte("Username:")))
			ir = read()
		}
		user = dec(ir)
		say("334 " + base64.StdEncoding.EncodeToString([]byte("Password:")))
		pass = dec(read())
	default:
		say("504 5.5.4 unknown mechanism")
		return ""
	}
	if want, ok := p.Users[user]; ok && want == pass {
		say("235 2.7.0 OK")
		return user
	}
	say("535 5.7.8 bad credentials")
	return ""
}

// selfSigned makes a TLS certificate for name, and a pool that trusts it.
func selfSigned(t testing.TB, name string) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
