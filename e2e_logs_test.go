//go:build unix

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// remoteSource adds ip to the loopback interface for the test, so that a
// client bound to it is seen by the server as coming from outside (loopback
// is exempt from most abuse controls). Without the right to do so the test
// is skipped, or fails under MAILQ_REQUIRE_CLIENTS=1.
func remoteSource(t *testing.T, ip string) *net.Dialer {
	t.Helper()
	out, err := exec.Command("ip", "addr", "add", ip+"/32", "dev", "lo").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "File exists") {
		if testutil.RequireClients() {
			t.Fatalf("cannot add %s to lo (root needed): %v %s", ip, err, out)
		}
		t.Skipf("cannot add %s to lo (root needed): %v %s", ip, err, out)
	}
	if err == nil {
		t.Cleanup(func() { exec.Command("ip", "addr", "del", ip+"/32", "dev", "lo").Run() })
	}
	return &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
}

// TestLogsAreTables runs both instances with every log on, through a day's
// kinds of activity (a relayed and a delivered message, a POP3 session, a
// failed POP3 login, and a client from outside whose HELO, AUTH user and
// MAIL address carry CR LF, terminal escapes, C1 controls and formulas),
// then reads every log file with encoding/csv: each starts with its header,
// every row has the header's width and is one line, times carry their zone,
// no control character is written raw and no cell starts like a formula.
func TestLogsAreTables(t *testing.T) {
	t.Parallel()
	sink, _ := mxaSink(t)
	ini := strings.Replace(mxaINI(sink), "LogLevel=2\n", "LogLevel=4\n", 1)
	dir := newTree(t, ini)
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	smtpIn := start(t, dir)
	popIn := start(t, dir, "/pop")
	mxaSubmit(t, smtpIn.addr, "bob@far.example,alice@test.example", "=1+1 tables")
	sent := waitGlob(t, filepath.Join(dir, "queue", "sent", "*.auth"), 1, smtpIn)
	waitGlob(t, filepath.Join(dir, "users", "alice@test.example", "*.eml"), 1, smtpIn)

	forged := "\r\n2026-12-04T15:31:41.000+01:00,1,SMTP,OK,forged row"
	d := remoteSource(t, "192.0.2.40")
	c, err := d.Dial("tcp", smtpIn.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	plain := base64.StdEncoding.EncodeToString([]byte("\x00=bob" + forged + "\x1b]0;owned\a\u009b2J\x00pw"))
	testutil.RunTranscript(t, c, `
S~ ^220
C: EHLO client.example
S* 250-
S~ ^250 
C: AUTH PLAIN `+plain+`
S~ ^535
C: MAIL FROM:<-x+y@far.example>`+"\x1b[2J\u0085"+`
S~ ^5
C: QUIT
S~ ^221
`)

	p := popDial(t, popIn.addr)
	p.must("+OK", "USER @alice"+"\u009b")
	p.must("-ERR", "PASS wrong")
	p.login("alice@test.example", "secret")
	p.must("+OK", "RETR 1")
	p.body()
	p.must("+OK", "QUIT")

	for _, kind := range []string{"smtp", "pop"} {
		if code, out := mailq(t, dir, "/stop:"+kind); code != 0 {
			t.Fatalf("/stop:%s exit %d:\n%s", kind, code, out)
		}
	}
	smtpIn.wait(15 * time.Second)
	popIn.wait(15 * time.Second)

	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	kinds := map[string][][]string{}
	for _, path := range files {
		kind := strings.SplitN(strings.TrimSuffix(filepath.Base(path), ".log"), "-", 2)[0]
		kinds[kind] = checkLogTable(t, path)
	}
	for _, kind := range []string{"server", "smtp", "pop3", "mda", "mxa", "received"} {
		if len(kinds[kind]) < 2 {
			t.Errorf("no rows in the %s log: %v", kind, files)
		}
	}
	// A column holds what its header says: the queue id of the relayed set.
	id := strings.TrimSuffix(filepath.Base(sent[0]), ".auth")
	if !logHas(kinds["smtp"], "event", "received", "queue_id", id) || !logHas(kinds["received"], "queue_id", id, "size", "") {
		t.Errorf("no received row with queue_id %s:\n%q\n%q", id, kinds["smtp"], kinds["received"])
	}
	if !logHas(kinds["smtp"], "event", "auth-failed", "client", "192.0.2.40") {
		t.Errorf("no auth-failed row from 192.0.2.40:\n%q", kinds["smtp"])
	}
	for _, out := range []string{smtpIn.out(), popIn.out()} {
		for _, raw := range []string{"\x1b]", "\x1b[2J", "\u009b", "\u0085", "\a", "\r"} {
			if strings.Contains(out, raw) {
				t.Errorf("console shows %q raw:\n%q", raw, out)
			}
		}
		if strings.Contains(out, "\n2026-12-04T15:31:41.000+01:00,1,SMTP,OK,forged row") {
			t.Errorf("console has the forged line:\n%s", out)
		}
	}
}

// checkLogTable reads one log file and checks that it is one table.
func checkLogTable(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v\n%s", path, err, data)
	}
	if len(rows) == 0 || strings.Join(rows[0][:min(5, len(rows[0]))], ",") != "time,id,module,status,text" {
		t.Fatalf("%s does not start with a header row:\n%s", path, data)
	}
	if n := bytes.Count(data, []byte("\n")); n != len(rows) {
		t.Errorf("%s: %d lines for %d rows: a field spans lines:\n%s", path, n, len(rows), data)
	}
	for _, b := range data {
		if b < ' ' && b != '\n' || b == 0x7f {
			t.Errorf("%s holds the control byte %#02x raw", path, b)
			break
		}
	}
	if bytes.Contains(data, []byte("\u0085")) || bytes.Contains(data, []byte("\u009b")) {
		t.Errorf("%s holds a C1 control raw", path)
	}
	for i, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			t.Errorf("%s row %d: %d fields, the header has %d: %q", path, i+2, len(row), len(rows[0]), row)
			continue
		}
		if ts, err := time.Parse(time.RFC3339, row[0]); err != nil || !strings.ContainsAny(row[0][19:], "Z+-") {
			t.Errorf("%s row %d: time %q without its zone (%v, %v)", path, i+2, row[0], ts, err)
		}
		for j, v := range row {
			if v != "" && strings.IndexByte("=+-@\t\r", v[0]) >= 0 {
				t.Errorf("%s row %d: cell %s starts like a formula: %q", path, i+2, rows[0][j], v)
			}
		}
	}
	return rows
}

// logHas reports whether a row of the table has the given values in the
// named columns (name, value pairs; an empty value matches any non-empty
// cell).
func logHas(rows [][]string, kv ...string) bool {
	if len(rows) == 0 {
		return false
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
next:
	for _, row := range rows[1:] {
		for i := 0; i+1 < len(kv); i += 2 {
			k, ok := col[kv[i]]
			if !ok || k >= len(row) || (kv[i+1] == "" && row[k] == "") || (kv[i+1] != "" && row[k] != kv[i+1]) {
				continue next
			}
		}
		return true
	}
	return false
}
