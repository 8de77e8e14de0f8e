package mailtest

import (
	"bufio"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
)

// fakeSMTP is a small SMTP server for the exit-code tests: it checks the
// credentials each mechanism carries, so a wrong digest or encoding fails.
type fakeSMTP struct {
	behaviour
	user, pw string
	mu       sync.Mutex
	messages []string
	lines    []string // every line received, for the secrecy test
}

func (f *fakeSMTP) start(t *testing.T) string { return serveOnce(t, f.serve) }

// serveOnce runs serve on the first connection to a new listener, which
// then refuses any other, and returns its address.
func serveOnce(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		ln.Close() // one session: later connections are refused
		if err != nil {
			return
		}
		defer c.Close()
		serve(c)
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func (f *fakeSMTP) serve(c net.Conn) {
	r := bufio.NewReader(c)
	say := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
	read := func() string {
		l, err := r.ReadString('\n')
		if err != nil {
			return "QUIT"
		}
		l = strings.TrimRight(l, "\r\n")
		f.mu.Lock()
		f.lines = append(f.lines, l)
		f.mu.Unlock()
		return l
	}
	say("220 fake.test ESMTP")
	for {
		l := read()
		verb, arg, _ := strings.Cut(l, " ")
		switch strings.ToUpper(verb) {
		case "HELO":
			say("250 fake.test")
		case "EHLO":
			say("250-fake.test\r\n250-SIZE 1000000\r\n250 AUTH " + f.mechs)
		case "AUTH":
			say(f.auth(arg, say, read))
		case "MAIL":
			say("250 2.1.0 ok")
		case "RCPT":
			if f.rcptCode != "" {
				say(f.rcptCode)
			} else {
				say("250 2.1.5 ok")
			}
		case "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				d, err := r.ReadString('\n')
				if err != nil || d == ".\r\n" {
					break
				}
				msg.WriteString(d)
			}
			f.mu.Lock()
			f.messages = append(f.messages, msg.String())
			f.mu.Unlock()
			say("250 2.0.0 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("500 what")
		}
	}
}

// behaviour is what a test case changes in fakeSMTP.
type behaviour struct {
	mechs       string // AUTH keywords offered
	noChallenge bool   // answer AUTH CRAM-MD5 with 504 instead of 334
	rcptCode    string // the reply to RCPT, if not 250
}

// auth checks one AUTH exchange; say and read carry the intermediate steps.
func (f *fakeSMTP) auth(arg string, say func(string), read func() string) string {
	mech, ir, _ := strings.Cut(arg, " ")
	b64 := func(s string) string {
		d, _ := base64.StdEncoding.DecodeString(s)
		return string(d)
	}
	ok := false
	switch strings.ToUpper(mech) {
	case "PLAIN":
		ok = b64(ir) == "\x00"+f.user+"\x00"+f.pw
	case "LOGIN":
		say("334 VXNlcm5hbWU6")
		u := b64(read())
		say("334 UGFzc3dvcmQ6")
		ok = u == f.user && b64(read()) == f.pw
	case "CRAM-MD5":
		if f.noChallenge {
			return "504 5.5.4 not now"
		}
		challenge := "<1896.697170952@fake.test>"
		say("334 " + base64.StdEncoding.EncodeToString([]byte(challenge)))
		mac := hmac.New(md5.New, []byte(f.pw))
		mac.Write([]byte(challenge))
		ok = b64(read()) == f.user+" "+hex.EncodeToString(mac.Sum(nil))
	}
	if ok {
		return "235 2.7.0 ok"
	}
	return "535 5.7.8 no"
}

// fakePOP is a small POP3 server that checks USER/PASS and APOP digests.
type fakePOP struct {
	greeting string // after "+OK "
	user, pw string
	messages int
}

func (f *fakePOP) start(t *testing.T) string { return serveOnce(t, f.serve) }

func (f *fakePOP) serve(c net.Conn) {
	r := bufio.NewReader(c)
	say := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
	say("+OK " + f.greeting)
	stamp := stampRE.FindString(f.greeting)
	user := ""
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f1 := strings.Fields(l)
		if len(f1) == 0 {
			say("-ERR empty")
			continue
		}
		switch strings.ToUpper(f1[0]) {
		case "USER":
			user = f1[1]
			say("+OK")
		case "PASS":
			if user == f.user && strings.TrimRight(l[5:], "\r\n") == f.pw {
				say("+OK in")
			} else {
				say("-ERR [AUTH] no")
			}
		case "APOP":
			sum := md5.Sum([]byte(stamp + f.pw))
			if len(f1) == 3 && f1[1] == f.user && f1[2] == hex.EncodeToString(sum[:]) {
				say("+OK in")
			} else {
				say("-ERR [AUTH] no")
			}
		case "RPOP":
			say("-ERR RPOP is not supported")
		case "STAT":
			say(fmt.Sprintf("+OK %d %d", f.messages, f.messages*100))
		case "TOP":
			say("+OK\r\nSubject: first\r\n..dotted: x\r\n\r\n.")
		case "QUIT":
			say("+OK bye")
			return
		default:
			say("-ERR what")
		}
	}
}

func splitHostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}
