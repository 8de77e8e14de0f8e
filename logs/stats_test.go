package logs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSummarize writes two days of events through the Logger, as the
// servers and agents do, and checks every count of the summary: the reader
// finds each value by the column the writer named.
func TestSummarize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loc := time.FixedZone("test", 3600)
	day1 := time.Date(2026, 12, 3, 23, 50, 0, 0, loc)
	day2 := time.Date(2026, 12, 4, 9, 0, 0, 0, loc)
	now := day1
	l, err := New(Options{Dir: dir, Level: Debug, Console: &bytes.Buffer{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c := SMTPConn{ID: "1", Client: "192.0.2.1", ESMTP: true}
	l.SMTPConnected(c, "127.0.0.1:25")
	l.SMTPReceived(c, SMTPMessage{QueueID: "q1", From: "alice@a.test", Rcpts: []string{"Bob@b.test", "carol@b.test"}, Size: 2048})
	l.SMTPReceived(c, SMTPMessage{QueueID: "q2", From: "alice@a.test", Rcpts: []string{"bob@b.test"}, Size: 1024})
	l.SMTPReceived(c, SMTPMessage{QueueID: "qt", From: "test@a.test", Rcpts: []string{"x@b.test"}, Size: 1, Test: true})
	l.AbuseRefused(FileSMTP, "SMTP", "2", "192.0.2.9", RuleDNSBL, "zen.test lists it")
	l.MXADelivery("q1", "mx.b.test[192.0.2.5]:25", "bob@b.test", MXASent, "250 ok")
	l.MXADelivery("q1", "mx.b.test[192.0.2.5]:25", "carol@b.test", MXADeferred, "451 later")
	now = day2
	l.SMTPConnected(c, "127.0.0.1:25")
	l.SMTPReceived(c, SMTPMessage{QueueID: "q3", From: "", Rcpts: []string{"alice@a.test"}, Size: 100})
	l.SMTPAuthFailed(c, "PLAIN", "alice@a.test", "wrong password")
	l.AbuseRefused(FileSMTP, "SMTP", "3", "192.0.2.9", RuleDNSBL, "zen.test lists it")
	l.AbuseRefused(FilePOP3, "POP3", "4", "192.0.2.8", RuleBlockList, "192.0.2.0/24")
	l.AbuseBanned(FilePOP3, "POP3", "4", "192.0.2.8", 20, nil)
	l.POP3LoggedIn("5", "alice@a.test", "192.0.2.2", "USER", 1, 100)
	l.POP3LoginFailed("6", "alice@a.test", "192.0.2.3", "APOP", "wrong", 1)
	l.POP3LoginFailed("7", "root@a.test", "192.0.2.3", "USER", "no such account", 1)
	l.MXADelivery("q1", "", "carol@b.test", MXAFailed, "expired")
	l.MDAFiled(MDARecipient{ID: "q3", Rcpt: "alice@a.test", Action: MDADelivered, Dest: "alice@a.test"})
	l.Close()

	st := Summarize(dir, 2, day2)
	if len(st.problems) != 0 {
		t.Fatalf("problems: %v", st.problems)
	}
	want := []dayStats{
		{Day: time.Date(2026, 12, 3, 0, 0, 0, 0, loc), Received: 2, Bytes: 3072, Relayed: 1, Deferred: 1, SMTPSessions: 1},
		{Day: time.Date(2026, 12, 4, 0, 0, 0, 0, loc), Received: 1, Bytes: 100, Failed: 1, Delivered: 1, SMTPSessions: 1},
	}
	if !slices.Equal(st.days, want) {
		t.Errorf("days:\n got %+v\nwant %+v", st.days, want)
	}
	for _, c := range []struct {
		name      string
		got, want []nameCount
	}{
		{"senders", st.senders, []nameCount{{"alice@a.test", 2}, {"<>", 1}}},
		{"recipients", st.rcpts, []nameCount{{"bob@b.test", 2}, {"alice@a.test", 1}, {"carol@b.test", 1}}},
		{"refusals", st.refused, []nameCount{{"dnsbl", 2}, {"autoban (banned)", 1}, {"ipblock", 1}}},
		{"mxa failures", st.mxaFails, []nameCount{{"(no host reached)", 1}, {"mx.b.test[192.0.2.5]:25", 1}}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	wantLogins := []loginCount{{"alice@a.test", 1, 2}, {"root@a.test", 0, 1}}
	if !slices.Equal(st.logins, wantLogins) {
		t.Errorf("logins: got %v, want %v", st.logins, wantLogins)
	}
	var out strings.Builder
	st.Print(&out, 1)
	for _, w := range []string{"2026-12-03", "total", "... 1 more", "1 ok       2 failed  alice@a.test"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("printed summary lacks %q:\n%s", w, out.String())
		}
	}
}

// TestSummarizeOldFiles: a file without a header row (an older mailq) is
// named as a problem, not miscounted; missing days count nothing.
func TestSummarizeOldFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	old := "2026-12-04 10:00:00,1,SMTP,OK,received,q1,x,192.0.2.1,h,,a@b,c@d,10\n"
	if err := os.WriteFile(DatedPath(dir, FileReceived, now), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	st := Summarize(dir, 3, now)
	if len(st.days) != 3 || st.days[2].Received != 0 {
		t.Fatalf("days: %+v", st.days)
	}
	if len(st.problems) != 1 || !errors.Is(errors.New(st.problems[0]), errNoHeader) && !strings.Contains(st.problems[0], "no header row") {
		t.Fatalf("problems: %v", st.problems)
	}
	if !strings.Contains(st.problems[0], filepath.Base(DatedPath(dir, FileReceived, now))) {
		t.Fatalf("the problem does not name the file: %v", st.problems)
	}
}
