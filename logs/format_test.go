package logs

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRowFormat pins the exact lines of each kind of log file, as README.md
// ("Logs") describes them: the header row, then per event the five common
// columns (time in RFC 3339 with milliseconds, id, module, status, text)
// and the file's own, in the file's column order, with CSV quoting where a
// cell needs it. The console line of the same events is pinned too.
func TestRowFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 12, 4, 15, 31, 41, 250e6, time.UTC)
	var console bytes.Buffer
	off := false
	l, err := New(Options{Dir: dir, Level: Info, Console: &console, Color: &off, Now: fixedNow(now)})
	if err != nil {
		t.Fatal(err)
	}
	c := SMTPConn{ID: "12", Client: "192.0.2.7", ESMTP: true}
	l.SMTPRejected(c, "RCPT TO:<x@y>", "550 5.1.1 No such user here")
	l.SMTPReceived(c, SMTPMessage{QueueID: "q1", Tracking: "t1", Helo: "client.test", From: "a@b.test",
		Rcpts: []string{"c@d.test", "e@d.test"}, Size: 1234})
	l.POP3LoggedIn("3", "bob@d.test", "192.0.2.8", "APOP", 2, 4096)
	l.AbuseLoginBlocked(FilePOP3, "POP3", "4", "192.0.2.9", "bob@d.test", RuleLoginAccountIP, 5, now.Add(15*time.Minute))
	l.MDAFiled(MDARecipient{ID: "q1", Tracking: "t1", Sender: "a@b.test", Rcpt: "c@d.test", Action: MDADelivered, Dest: "c@d.test"})
	l.MXADelivery("q2", "mx.far.test[198.51.100.1]:25", "z@far.test", MXASent, "250 2.0.0 ok, queued")
	l.Infof("SERVER", "started: %d thread(s)", 4)
	l.Close()

	want := map[string][]string{
		"smtp-20261204.log": {
			"time,id,module,status,text,client,event,user,sender,recipients,queue_id,size,reply,detail",
			"2026-12-04T15:31:41.250Z,12,ESMTP,FAIL,RCPT TO:<x@y> -> 550 5.1.1 No such user here,192.0.2.7,rejected,,,,,,550 5.1.1 No such user here,RCPT TO:<x@y>",
			`2026-12-04T15:31:41.250Z,12,ESMTP,OK,"message q1 from <a@b.test> to <c@d.test> and 1 more, 1234 bytes, queued",192.0.2.7,received,,a@b.test,c@d.test e@d.test,q1,1234,,tracking t1`,
		},
		"received-20261204.log": {
			"time,id,module,status,text,queue_id,tracking,client,helo,user,sender,recipients,size",
			"2026-12-04T15:31:41.250Z,12,ESMTP,OK,received,q1,t1,192.0.2.7,client.test,,a@b.test,c@d.test e@d.test,1234",
		},
		"pop3-20261204.log": {
			"time,id,module,status,text,client,event,user,method,count,octets,uid,detail",
			`2026-12-04T15:31:41.250Z,3,POP3,OK,"bob@d.test logged in from [192.0.2.8] (APOP): 2 message(s), 4096 octets",192.0.2.8,login,bob@d.test,APOP,2,4096,,`,
			`2026-12-04T15:31:41.250Z,4,POP3,LOCKED,"[192.0.2.9] may not log in to ""bob@d.test"" until 15:46:41: 5 failed logins of it; /UNLOCK:bob@d.test ends it now",192.0.2.9,abuse,bob@d.test,,,,,"login-account-ip: 5 failed logins, blocked until 2026-12-04T15:46:41Z"`,
		},
		"mda-20261204.log": {
			"time,id,module,status,text,action,recipient,original,sender,destination,tracking,detail",
			"2026-12-04T15:31:41.250Z,q1,MDA,OK,delivered to c@d.test,delivered,c@d.test,,a@b.test,c@d.test,t1,",
		},
		"mxa-20261204.log": {
			"time,id,module,status,text,host,recipients,reply,detail",
			`2026-12-04T15:31:41.250Z,q2,MXA,SENT,"z@far.test: sent to mx.far.test[198.51.100.1]:25: 250 2.0.0 ok, queued",mx.far.test[198.51.100.1]:25,z@far.test,"250 2.0.0 ok, queued",`,
		},
		"server.log": {
			"time,id,module,status,text,detail",
			"2026-12-04T15:31:41.250Z,,SERVER,INFO,started: 4 thread(s),",
		},
	}
	for name, lines := range want {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"); !slices.Equal(got, lines) {
			t.Errorf("%s:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(lines, "\n"))
		}
	}
	// On Windows a new log file is named under .create.lock, which stays.
	if files, _ := filepath.Glob(filepath.Join(dir, "[^.]*")); len(files) != len(want) {
		t.Errorf("files written: %v, want the %d above", files, len(want))
	}
	wantConsole := strings.Join([]string{
		"15:31:41 12    ESMTP RCPT TO:<x@y> -> 550 5.1.1 No such user here",
		"15:31:41 12    ESMTP message q1 from <a@b.test> to <c@d.test> and 1 more, 1234 bytes, queued",
		"15:31:41 3     POP3  bob@d.test logged in from [192.0.2.8] (APOP): 2 message(s), 4096 octets",
		`15:31:41 4     POP3  [192.0.2.9] may not log in to "bob@d.test" until 15:46:41: 5 failed logins of it; /UNLOCK:bob@d.test ends it now`,
		"15:31:41 q1    MDA   delivered to c@d.test",
		"15:31:41 q2    MXA   z@far.test: sent to mx.far.test[198.51.100.1]:25: 250 2.0.0 ok, queued",
		"15:31:41 -     SERVER started: 4 thread(s)",
	}, "\n") + "\n"
	if console.String() != wantConsole {
		t.Errorf("console:\n%s\nwant:\n%s", console.String(), wantConsole)
	}
}

// TestColumnsMatchREADME checks that README.md's tables of log columns
// ("Logs") name the columns of each file in the order they are written.
func TestColumnsMatchREADME(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start := strings.Index(readme, "\n## Logs\n")
	if start < 0 {
		t.Fatal("README.md has no Logs section")
	}
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	// A row of a table: | `name` | ... |. Parenthesized remarks hold
	// example values in backquotes; they are not columns.
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| (.*) \\|$")
	remark := regexp.MustCompile(`\([^)]*\)`)
	name := regexp.MustCompile("`([a-z_]+)`")
	var common []string
	documented := map[File][]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		first, rest := m[1], m[2]
		var f File
		switch {
		case first == "server.log":
			f = FileServer
		case strings.HasSuffix(first, "-…"):
			f = File(strings.TrimSuffix(first, "-…"))
		default: // the common columns' table: one column a row
			common = append(common, first)
			continue
		}
		for _, n := range name.FindAllStringSubmatch(remark.ReplaceAllString(rest, ""), -1) {
			documented[f] = append(documented[f], n[1])
		}
	}
	if !slices.Equal(common, commonColumns) {
		t.Errorf("README's common columns %v, written %v", common, commonColumns)
	}
	if len(documented) != len(columns) {
		t.Errorf("README documents the files %v, written are %v", keys(documented), keys(columns))
	}
	for f, cols := range columns {
		if !slices.Equal(documented[f], cols) {
			t.Errorf("%s: README names %v, written %v", f, documented[f], cols)
		}
	}
}

func keys(m map[File][]string) []File {
	var out []File
	for f := range m {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// TestLevelNames checks the level names the start-up summary shows
// (config.LogLevel is Level).
func TestLevelNames(t *testing.T) {
	t.Parallel()
	for lv, want := range map[Level]string{Off: "Off", Normal: "Normal", Info: "Info", Crit: "Crit", Debug: "Debug", 5: "unknown", -1: "unknown"} {
		if got := lv.String(); got != want {
			t.Errorf("Level(%d).String() = %q, want %q", int(lv), got, want)
		}
	}
}
