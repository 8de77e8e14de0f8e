package main

import (
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// TestBinaryDirectFiling runs the real binary with /MDA twice on one tree,
// with [MDA] DirectFiling on (the default) and off, and sends the same
// message to an alias each time: the first copy is filed by the SMTP
// server itself, the second by the MDA's pass, and they must be the same
// bytes but for the queue id, the time and the tracking id; both are
// logged as delivered. A message for two recipients takes the queue, as
// the MDA's log shows by its queue id in both runs.
func TestBinaryDirectFiling(t *testing.T) {
	t.Parallel()
	ini := strings.Replace(testINI, "[MDA]\nEnabled=False\n", "[MDA]\nEnabled=False\nDirectFiling=%s\n", 1) +
		"[EmailAlias]\nItem1=sales@test.example,alice@test.example\n"
	if !strings.Contains(ini, "DirectFiling=%s") {
		t.Fatalf("testINI changed: %q", testINI)
	}
	dir := newTree(t, strings.Replace(ini, "%s", "True", 1))
	for _, u := range []string{"alice@test.example", "bob@test.example"} {
		if code, out := mailq(t, dir, "/adduser:"+u, "/pw:secret"); code != 0 {
			t.Fatalf("/adduser exit %d:\n%s", code, out)
		}
	}
	msg := "From: Robot <robot@far.example>\r\nReturn-Path: <forged@far.example>\r\nSubject: direct or not\r\n" +
		"Message-ID: <same@far.example>\r\n\r\nhello\r\n..dot\r\n"
	box := filepath.Join(dir, "users", "alice@test.example")
	copies := func() map[string]string {
		m := map[string]string{}
		entries, _ := os.ReadDir(box)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".eml") {
				data, err := os.ReadFile(filepath.Join(box, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				m[strings.TrimSuffix(e.Name(), ".eml")] = string(data)
			}
		}
		return m
	}
	run := func(direct string) (string, string) {
		t.Helper()
		path := filepath.Join(dir, "mailq.ini") // with the accounts /adduser wrote
		cur, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		set := regexp.MustCompile(`DirectFiling=\w+`).ReplaceAll(cur, []byte("DirectFiling="+direct))
		if err := os.WriteFile(path, set, 0o644); err != nil {
			t.Fatal(err)
		}
		before := copies()
		// /NOTLS: net/smtp would take STARTTLS and refuse the self-signed
		// certificate.
		in := start(t, dir, "/MDA", "/RELAY:2", "/NICE:60000", "/NOTLS")
		if err := smtp.SendMail(in.addr, nil, "robot@far.example", []string{"sales@test.example"}, []byte(msg)); err != nil {
			t.Fatalf("DirectFiling=%s: %v\n%s", direct, err, in.out())
		}
		if direct == "True" {
			// Filed before the 250: the copy is there the moment the
			// client has its answer (the MDA's pass files it after).
			now := copies()
			if len(now) != len(before)+1 {
				t.Errorf("DirectFiling=True: right after the 250 the mailbox holds %d new copies, want 1", len(now)-len(before))
			}
		}
		if err := smtp.SendMail(in.addr, nil, "robot@far.example", []string{"alice@test.example", "bob@test.example"}, []byte(msg)); err != nil {
			t.Fatalf("DirectFiling=%s: %v\n%s", direct, err, in.out())
		}
		var one, two string
		testutil.EventuallyShow(t, "DirectFiling="+direct+": both copies in alice's mailbox", func() bool {
			one, two = "", ""
			for id, c := range copies() {
				if _, old := before[id]; old {
					continue
				}
				if strings.Contains(c, "X-Original-To: sales@test.example\r\n") {
					one = c
				} else {
					two = id
				}
			}
			return one != "" && two != ""
		}, in.out)
		if code, out := mailq(t, dir, "/stop:smtp"); code != 0 {
			t.Fatalf("/stop:smtp exit %d:\n%s", code, out)
		}
		in.wait(15 * time.Second)
		out := in.out()
		if !strings.Contains(out, "delivered to alice@test.example (sent to sales@test.example)") {
			t.Errorf("DirectFiling=%s: no delivery logged for the alias:\n%s", direct, out)
		}
		if !strings.Contains(out, two) {
			t.Errorf("DirectFiling=%s: the two-recipient message %s is not in the log:\n%s", direct, two, out)
		}
		return one, out
	}
	direct, directLog := run("True")
	passed, _ := run("False")
	norm := regexp.MustCompile(`(id |X-GUID: )\S+|\d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4}`)
	if a, b := norm.ReplaceAllString(direct, "<x>"), norm.ReplaceAllString(passed, "<x>"); a != b {
		t.Errorf("the copy filed directly differs from the MDA's:\ndirect:\n%s\nMDA:\n%s", direct, passed)
	}
	if !strings.HasPrefix(direct, "Return-Path: <robot@far.example>\r\nDelivered-To: alice@test.example\r\nX-Original-To: sales@test.example\r\nReceived: ") {
		t.Errorf("copy filed directly:\n%s", direct)
	}
	if strings.Contains(direct, "forged@") {
		t.Errorf("the client's Return-Path was kept:\n%s", direct)
	}
	// Filed directly, the message never woke the MDA for a pass: its
	// delivery row is the only MDA line that names it.
	if n := strings.Count(directLog, "delivered to alice@test.example (sent to sales@test.example)"); n != 1 {
		t.Errorf("the alias delivery is logged %d times:\n%s", n, directLog)
	}
}
