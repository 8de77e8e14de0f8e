package pop3

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"mailq/wire"
)

// stateSet is the set of states in which a verb is accepted.
type stateSet = wire.States[state]

// states is wire.StatesOf for this package's states.
func states(ss ...state) stateSet { return wire.StatesOf(ss...) }

// verb is one entry of the command table.
type verb struct {
	states stateSet
	fn     func(c *conn, arg string) Reply
	// enabled, if set, hides the verb (answered as unknown) unless the
	// configuration turns it on.
	enabled func(o *Options) bool
}

// verbs is the command table, filled in init because HELP reads it.
var verbs map[string]verb

func init() {
	auth := states(stateAuthorization)
	trans := states(stateTransaction)
	both := states(stateAuthorization, stateTransaction)
	motd := func(o *Options) bool { return o.Server.Motd }
	httpGet := func(o *Options) bool { return o.Server.HTTPGet }
	dbg := func(o *Options) bool { return o.Server.Debug }
	verbs = map[string]verb{
		// RFC 1939 and its extensions.
		"CAPA": {states: both, fn: cmdCapa}, // RFC 2449 §5
		"USER": {states: auth, fn: needsTLS(cmdUser)},
		"PASS": {states: auth, fn: needsTLS(cmdPass)},
		"APOP": {states: auth, fn: cmdApop},
		"AUTH": {states: auth, fn: cmdAuth}, // RFC 5034; needsTLS per mechanism
		"STAT": {states: trans, fn: cmdStat},
		"LIST": {states: trans, fn: cmdList},
		"UIDL": {states: trans, fn: cmdUidl},
		"RETR": {states: trans, fn: cmdRetr},
		"TOP":  {states: trans, fn: cmdTop},
		"DELE": {states: trans, fn: cmdDele},
		"RSET": {states: trans, fn: cmdRset},
		"LAST": {states: trans, fn: cmdLast}, // RFC 1460; dropped by RFC 1725, kept by MailQ
		"NOOP": {states: both, fn: cmdNoop},
		"QUIT": {states: both, fn: cmdQuit},
		// MailQ's own.
		"HELP": {states: both, fn: cmdHelp},
		"TIME": {states: both, fn: cmdTime},
		"MOTD": {states: trans, fn: cmdMotd, enabled: motd},
		"GET":  {states: auth, fn: cmdGet, enabled: httpGet},
		"BANR": {states: both, fn: cmdBanr, enabled: dbg},
		"IPCF": {states: both, fn: cmdIpcf, enabled: dbg},
		"NOTO": {states: both, fn: cmdNoto, enabled: dbg},
		"DOWN": {states: both, fn: cmdDown, enabled: dbg},

		// RFC 2595 §4 (stls.go, as needsTLS above).
		"STLS": {states: auth, fn: cmdStls, enabled: tlsOn},

		// RFC 6856 §2 (utf8.go).
		"UTF8": {states: auth, fn: cmdUTF8},
	}
}

// noArgs refuses arguments to a command that takes none.
func noArgs(arg string) bool { return strings.TrimSpace(arg) == "" }

func cmdStat(c *conn, arg string) Reply {
	if !noArgs(arg) {
		return replySyntax
	}
	n, size := c.md.stat()
	return ok(fmt.Sprintf("%d %d", n, size)) // RFC 1939 §5: exactly count and size
}

func cmdList(c *conn, arg string) Reply {
	return c.scanListing(arg, func(n int, m *message) string {
		return fmt.Sprintf("%d %d", n, m.size) // RFC 1939 §5 scan listing
	})
}

func cmdUidl(c *conn, arg string) Reply {
	return c.scanListing(arg, func(n int, m *message) string {
		return fmt.Sprintf("%d %s", n, m.id) // RFC 1939 §7: the queue id is the unique-id
	})
}

// scanListing answers LIST and UIDL: one message with an argument, every
// message not marked as deleted without.
func (c *conn) scanListing(arg string, line func(n int, m *message) string) Reply {
	f := strings.Fields(arg)
	switch len(f) {
	case 0:
		var lines []string
		for i := range c.md.msgs {
			if m := &c.md.msgs[i]; !m.deleted {
				lines = append(lines, line(i+1, m))
			}
		}
		n, size := c.md.stat()
		return multi(fmt.Sprintf("%s (%d octets)", plural(n, "message"), size), lines)
	case 1:
		m, n, r := c.md.lookup(f[0])
		if m == nil {
			return r
		}
		return ok(line(n, m))
	}
	return replySyntax
}

func cmdRetr(c *conn, arg string) Reply {
	f := strings.Fields(arg)
	if len(f) != 1 {
		return replySyntax
	}
	m, n, r := c.md.lookup(f[0])
	if m == nil {
		return r
	}
	r = c.transfer(m, -1)
	if r.written && !r.Close {
		c.retrieved++
		c.md.last = max(c.md.last, n)
	}
	return r
}

func cmdTop(c *conn, arg string) Reply {
	f := strings.Fields(arg)
	if len(f) != 2 {
		return replySyntax
	}
	lines, valid := parseNumber(f[1]) // RFC 1939 §7: a non-negative number of lines
	if !valid {
		return replySyntax
	}
	m, _, r := c.md.lookup(f[0])
	if m == nil {
		return r
	}
	return c.transfer(m, lines)
}

// transfer sends message m: all of it for RETR (top < 0), or its header and
// top body lines for TOP. It streams from the file through the dot-encoder,
// so memory use does not grow with the message. Once the +OK is out, an
// error can only end the connection: the client cannot tell where the
// message stopped.
func (c *conn) transfer(m *message, top int) Reply {
	f, err := c.md.mb.Open(m.id)
	if err != nil {
		c.srv.opt.Log.POP3Error(c.id, c.md.user, fmt.Sprintf("open message %s: %v", m.id, err))
		return replyFor(err)
	}
	defer f.Close()
	status := ok("top of message follows")
	if top < 0 {
		status = ok(fmt.Sprintf("%d octets", m.size)) // RFC 1939 §7
	}
	status.writeTo(c.bw)
	if c.copyBuf == nil {
		c.copyBuf = make([]byte, copyBuffer)
	}
	src := struct{ io.Reader }{f} // hide WriterTo, so the copy uses copyBuf
	if top >= 0 {
		err = wire.WriteTop(c.bw, src, top)
	} else {
		dw := wire.NewDotWriter(c.bw)
		if _, err = io.CopyBuffer(dw, src, c.copyBuf); err == nil {
			err = dw.Close()
		}
		if err == nil && dw.Size() != m.size {
			c.srv.opt.Log.POP3Error(c.id, c.md.user, fmt.Sprintf("message %s changed on disk during the session: announced %d octets, sent %d", m.id, m.size, dw.Size()))
		}
	}
	if err != nil {
		c.srv.opt.Log.POP3Error(c.id, c.md.user, fmt.Sprintf("sending message %s: %v", m.id, err))
		c.reason = "transfer of " + string(m.id) + " failed"
		return Reply{written: true, Close: true}
	}
	if top < 0 {
		c.srv.opt.Log.POP3Retrieved(c.id, c.md.user, string(m.id), m.size)
	}
	return Reply{written: true}
}

func cmdDele(c *conn, arg string) Reply {
	f := strings.Fields(arg)
	if len(f) != 1 {
		return replySyntax
	}
	m, n, r := c.md.lookup(f[0])
	if m == nil {
		return r
	}
	m.deleted = true // RFC 1939 §5: only marked; removed in UPDATE
	return ok(fmt.Sprintf("message %d deleted", n))
}

func cmdRset(c *conn, arg string) Reply {
	if !noArgs(arg) {
		return replySyntax
	}
	c.md.reset()
	n, size := c.md.stat()
	return ok(fmt.Sprintf("maildrop has %s (%d octets)", plural(n, "message"), size))
}

func cmdLast(c *conn, arg string) Reply {
	if !noArgs(arg) {
		return replySyntax
	}
	return ok(strconv.Itoa(c.md.last)) // RFC 1460: the highest message number retrieved
}

func cmdNoop(c *conn, arg string) Reply {
	return ok("")
}

func cmdQuit(c *conn, arg string) Reply {
	c.reason = "QUIT"
	if c.state == stateAuthorization {
		return ok("bye").closing() // RFC 1939 §4: no UPDATE before login
	}
	c.state = stateUpdate // RFC 1939 §6
	if c.srv.opt.Server.Test {
		// /TEST writes no mail, so it removes none either: the session
		// ends as if every DELE had been undone.
		marked := c.md.marked()
		c.srv.opt.Log.POP3TestKept(c.id, c.md.user, marked)
		c.releaseMaildrop()
		return ok(fmt.Sprintf("bye (test mode: %s kept)", plural(marked, "marked message"))).closing()
	}
	removed, err := c.md.update(c.srv.opt.POP.RenameOnDelete, func(id string, archived bool) {
		c.srv.opt.Log.POP3Deleted(c.id, c.md.user, id, archived)
	})
	c.deleted = removed
	c.releaseMaildrop()
	if err != nil {
		c.srv.opt.Log.POP3Error(c.id, c.who(), fmt.Sprintf("update: %v", err))
		r := Reply{Code: CodeSysTemp, Text: "some deleted messages not removed"} // RFC 1939 §6
		return r.closing()
	}
	return ok(fmt.Sprintf("bye (%s deleted)", plural(removed, "message"))).closing()
}
