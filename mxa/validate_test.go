package mxa

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/config"
	"mailq/queue"
)

// recorder is a sink on loopback that answers every command as an SMTP
// server would and records every line it reads, so a test can see exactly
// what reached the next hop.
type recorder struct {
	ln    net.Listener
	mu    sync.Mutex
	lines []string
	wg    sync.WaitGroup
}

func startRecorder(t *testing.T) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{ln: ln}
	r.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.wg.Go(func() { r.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); r.wg.Wait() })
	return r
}

func (r *recorder) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	c.Write([]byte("220 sink.test ESMTP\r\n"))
	inData := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		r.mu.Lock()
		r.lines = append(r.lines, line)
		r.mu.Unlock()
		switch verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0]); {
		case inData && line == ".":
			inData = false
			c.Write([]byte("250 2.0.0 queued\r\n"))
		case inData:
		case verb == "DATA":
			inData = true
			c.Write([]byte("354 go on\r\n"))
		case verb == "QUIT":
			c.Write([]byte("221 2.0.0 bye\r\n"))
			return
		default:
			c.Write([]byte("250 2.0.0 OK\r\n"))
		}
	}
}

func (r *recorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// TestQueueAddressesChecked drops hand-made sets into external/ and retry/,
// as a program that can write the queue (or a damaged file) could, whose
// sender or recipients carry CR LF (written %0D%0A, which the .auth format
// allows) and other bytes no address may hold. The agent must send nothing
// of them to the next hop and move each set to bad/ with a .why; a good set
// dropped beside them is delivered as usual, the positive control.
func TestQueueAddressesChecked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		folder queue.Folder
		from   string // .auth values, escaped as in the file
		rcpts  []string
		bad    bool
	}{
		{"good set", queue.External, "alice@origin.test", []string{"bob@far.example"}, false},
		{"sender with CR LF", queue.External, "a@origin.test%3E%0D%0ARCPT%20TO:%3Cx@evil.test", []string{"bob@far.example"}, true},
		{"recipient with CR LF", queue.External, "alice@origin.test", []string{"bob@far.example%3E%0D%0ADATA%0D%0A"}, true},
		{"one bad recipient of two", queue.External, "alice@origin.test", []string{"carol@far.example", "x@far.example%0D%0ARSET"}, true},
		{"retry: sender with CR LF", queue.Retry, "a@origin.test%3E%0D%0ARCPT%20TO:%3Cx@evil.test", []string{"bob@far.example"}, true},
		{"retry: recipient with LF", queue.Retry, "alice@origin.test", []string{"bob@far.example%0AQUIT"}, true},
		{"bare CR", queue.External, "alice@origin.test", []string{"b%0Dob@far.example"}, true},
		{"NUL", queue.Retry, "al%00ice@origin.test", []string{"bob@far.example"}, true},
		{"8-bit", queue.External, "alice@origin.test", []string{"b%C3%B6b@far.example"}, true},
		{"no domain", queue.External, "alice@origin.test", []string{"bob"}, true},
		{"postmaster without a domain", queue.External, "alice@origin.test", []string{"Postmaster"}, true},
		{"original recipient with CR LF", queue.Retry, "alice@origin.test", []string{"bob@far.example orig=a@b.test%0D%0ASubject:%20x"}, true},
	}
	rec := startRecorder(t)
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXGateway
		o.MXA.Gateway = rec.ln.Addr().String()
	})
	dirs := testDirs(f.dir)
	ids := make([]queue.ID, len(cases))
	for i, c := range cases {
		ids[i] = queue.NewID(time.Now())
		dir := dirs.External
		if c.folder == queue.Retry {
			dir = dirs.Retry
		}
		auth := "mailq-envelope 1\nfrom " + c.from + "\n"
		for _, r := range c.rcpts {
			auth += "rcpt " + r + "\n"
		}
		auth += "end\n"
		writeFile(t, filepath.Join(dir, string(ids[i])+".eml"), "Subject: "+c.name+"\r\n\r\nhello\r\n")
		writeFile(t, filepath.Join(dir, string(ids[i])+".auth"), auth)
	}
	wait := f.start()
	wait("every set delivered or put aside", func() bool {
		return len(f.list(queue.External))+len(f.list(queue.Retry)) == 0
	})
	bad := map[queue.ID]bool{}
	for _, id := range f.list(queue.Bad) {
		bad[id] = true
	}
	for i, c := range cases {
		if bad[ids[i]] != c.bad {
			t.Errorf("%s: in bad/ = %v, want %v; console:\n%s", c.name, bad[ids[i]], c.bad, f.out.String())
		}
		if !c.bad {
			continue
		}
		why, err := os.ReadFile(filepath.Join(dirs.Bad, string(ids[i])+".why"))
		if err != nil || !strings.Contains(string(why), "address not fit to send") {
			t.Errorf("%s: .why %q, %v", c.name, why, err)
		}
		if !logged(f.out.String(), string(ids[i]), "moved to bad/: address not fit to send") {
			t.Errorf("%s: the console does not say it was put aside:\n%s", c.name, f.out.String())
		}
	}
	// The good set's session is the only one: MAIL, RCPT and DATA once each,
	// from and to its own addresses, and nothing of the others.
	lines := rec.Lines()
	count := map[string]int{}
	for _, l := range lines {
		verb := strings.ToUpper(strings.SplitN(l, " ", 2)[0])
		count[verb]++
		switch {
		case strings.HasPrefix(l, "MAIL ") && !strings.HasPrefix(l, "MAIL FROM:<alice@origin.test>"),
			strings.HasPrefix(l, "RCPT ") && l != "RCPT TO:<bob@far.example>",
			strings.Contains(l, "evil.test"), verb == "RSET":
			t.Errorf("the sink got %q", l)
		}
	}
	if count["MAIL"] != 1 || count["RCPT"] != 1 || count["DATA"] != 1 {
		t.Errorf("the sink got %v, want one MAIL, RCPT and DATA (the good set):\n%s", count, strings.Join(lines, "\n"))
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
