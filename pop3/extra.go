package pop3

import (
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"mailq/macro"
)

// maxReplyText bounds the text of a status line built from configuration
// (the greeting, a MOTD line): RFC 2449 §4 allows 512 octets with the CRLF.
const maxReplyText = 500

// greet returns the greeting: POPWelcome with its macros expanded, or a
// standard one. Either carries this session's APOP timestamp (RFC 1939 §7),
// fresh and unpredictable for every connection.
func (c *conn) greet() Reply {
	o := &c.srv.opt
	var b [8]byte
	crand.Read(b[:])
	c.timestamp = fmt.Sprintf("<%d.%s@%s>", c.srv.pid, strings.ToUpper(hex.EncodeToString(b[:])), c.srv.host)
	text := c.srv.host + " mailq POP3 server ready"
	if o.POP.Welcome != "" {
		text = macro.Expand(o.POP.Welcome, macro.Context{
			Now: o.Now(), ClientIP: c.ip.String(), ExeName: o.ExeName, Version: o.Version,
			HostName: o.Server.HostName, POPID: c.timestamp, Getenv: o.Getenv,
		})
	}
	if !strings.Contains(text, c.timestamp) {
		// Without the timestamp APOP cannot work; a welcome text without
		// $pop_id gets it appended.
		text = truncate(text, maxReplyText-len(c.timestamp)-1) + " " + c.timestamp
	}
	c.greeting = strings.TrimSpace(truncate(text, maxReplyText))
	return ok(c.greeting)
}

// truncate cuts s to at most n bytes at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:max(n, 0)]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// capabilities lists what CAPA announces (RFC 2449 §6).
func (c *conn) capabilities() []string {
	caps := []string{
		"TOP",
		"UIDL",
		"USER",
		"RESP-CODES",
		"PIPELINING",
		"AUTH-RESP-CODE", // RFC 3206 §6
		"SASL " + strings.Join(c.mechanisms(), " "), // RFC 5034 §6
		"EXPIRE NEVER", // mailq never removes mail a client left
		"UTF8 USER",    // RFC 6856 §2 (utf8.go)
	}
	impl := "IMPLEMENTATION mailq"
	if c.srv.opt.Version != "" {
		impl += "-" + c.srv.opt.Version
	}
	return c.tlsCaps(append(caps, impl))
}

func cmdCapa(c *conn, arg string) Reply {
	return multi("capability list follows", c.capabilities())
}

// cmdHelp lists the commands of the current state (not in any RFC; MailQ
// has it).
func cmdHelp(c *conn, arg string) Reply {
	var names []string
	for name, v := range verbs {
		if v.states.Has(c.state) && (v.enabled == nil || v.enabled(&c.srv.opt)) && name != "GET" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return multi("commands follow", []string{strings.Join(names, " ")})
}

// maxTime is how many TIME commands a session may send (the manual's limit).
const maxTime = 5

// cmdTime answers MailQ's TIME. Before login the answer ends the session,
// as the manual describes, so TIME can serve as a simple time service.
func cmdTime(c *conn, arg string) Reply {
	c.times++
	if c.times > maxTime {
		return fail(fmt.Sprintf("TIME is limited to %d per session", maxTime))
	}
	r := ok(macro.TimeString(c.srv.opt.Now()))
	if c.state == stateAuthorization {
		c.reason = "TIME before login"
		return r.closing()
	}
	return r
}

// maxMotdFile bounds how much of motd.txt is read.
const maxMotdFile = 256 << 10

// cmdMotd answers MOTD[n] with line n of the MOTD file (counting from 1, the
// last if n is beyond it), or a random line without n.
func cmdMotd(c *conn, arg string) Reply {
	arg = strings.TrimSpace(arg)
	n, valid := parseNumber(arg)
	if arg != "" && !valid {
		return replySyntax
	}
	lines, err := motdLines(c.srv.opt.MotdPath)
	if err != nil || len(lines) == 0 {
		if err != nil && !os.IsNotExist(err) {
			c.srv.opt.Log.POP3Error(c.id, c.who(), fmt.Sprintf("read %s: %v", c.srv.opt.MotdPath, err))
		}
		return fail("no message of the day")
	}
	switch {
	case arg == "":
		n = rand.IntN(len(lines)) + 1
	case n < 1:
		n = 1
	case n > len(lines):
		n = len(lines)
	}
	return ok(lines[n-1])
}

// motdLines reads the MOTD file: one message a line, blank lines skipped,
// each made safe to send as the text of one status line.
func motdLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMotdFile))
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSpace(strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f || r == utf8.RuneError {
				return ' '
			}
			return r
		}, string(l)))
		if s != "" {
			lines = append(lines, truncate(s, maxReplyText))
		}
	}
	return lines, nil
}

// httpAnswer is sent to a web browser that connected to the POP3 port.
const httpAnswer = "HTTP/1.0 400 Bad Request\r\n" +
	"Content-Type: text/plain; charset=us-ascii\r\n" +
	"Content-Length: 47\r\n" +
	"Connection: close\r\n" +
	"\r\n" +
	"This is a POP3 mail server, not a web server.\r\n"

// cmdGet is the HTTP GET responder: a browser pointed at the POP3 port gets
// an HTTP answer and the connection is closed at once, so it cannot hold one
// of the few session slots (the manual's reason).
func cmdGet(c *conn, arg string) Reply {
	c.bw.WriteString(httpAnswer)
	c.reason = "HTTP request answered"
	c.linger = true
	return Reply{written: true, Close: true}
}

// Debug commands (/DEBUG only).

func cmdBanr(c *conn, arg string) Reply {
	return ok(c.greeting)
}

func cmdIpcf(c *conn, arg string) Reply {
	return ok(fmt.Sprintf("client %s, server %s", c.nc.RemoteAddr(), c.nc.LocalAddr()))
}

func cmdNoto(c *conn, arg string) Reply {
	c.noTimeout = true
	return ok("idle time-out off for this session")
}

// cmdDown takes the POP3 server offline. Only a client on this machine may:
// a debugging aid must not let anyone on the network stop the server.
func cmdDown(c *conn, arg string) Reply {
	if !c.ip.IsLoopback() {
		return fail("DOWN is accepted only from this machine")
	}
	c.srv.opt.Log.Warnf("POP3", "DOWN from %s (session %s): the POP3 server is shutting down", c.ip, c.id)
	c.srv.shutdown()
	c.reason = "DOWN"
	return ok("POP3 server shutting down").closing()
}
