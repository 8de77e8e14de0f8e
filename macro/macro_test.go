package macro

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

var bst = time.FixedZone("BST", 3600)

// testContext is the manual's example moment: Monday 30 June 2014, 13:32:12
// at UTC+1.
func testContext() Context {
	env := map[string]string{
		"COMPUTERNAME":         "SNOOPY",
		"USERDOMAIN":           "CQ",
		"NUMBER_OF_PROCESSORS": "2",
		"lower":                "yes",
		"ProgramFiles(x86)":    `C:\Program Files (x86)`,
		"EVIL":                 "x\r\n250 OK\nRSET",
		"EVIL_C1":              "a\u0085b\u2028c\x1b[31md",
		"BAD_UTF8":             "a\xff\xfeb",
	}
	return Context{
		Now:      time.Date(2014, 6, 30, 13, 32, 12, 0, bst),
		ClientIP: "127.0.0.1",
		ExeName:  "mailq.exe",
		Version:  "1.14",
		HostName: "mail.example.com",
		POPID:    "<4260.EEE17315E4133505@example.com>",
		Getenv:   func(k string) string { return env[k] },
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"$fulldate", "Monday, 30th June 2014"},
		{"$time", "13:32"},
		{"$yyyy", "2014"},
		{"$yy", "14"},
		{"$mmmm", "June"},
		{"$mmm", "Jun"},
		{"$mm", "06"},
		{"$dddd", "Monday"},
		{"$ddd", "Mon"},
		{"$dd", "30"},
		{"$hh", "13"},
		{"$ii", "32"},
		{"$ss", "12"},
		{"$isodate", "20140630"},
		{"$usdate", "06302014"},
		{"$ukdate", "30062014"},
		{"$yearday", "181"},
		{"$O", "+01:00"},
		{"$r", "Monday, 30th Jun 2014 13:32:12 +01:00"},
		{"$exename", "mailq.exe"},
		{"$ver", "1.14"},
		{"$pop_id", "<4260.EEE17315E4133505@example.com>"},
		{"$client_ip", "127.0.0.1"},
		{"$hostname", "mail.example.com"},
		{"$server_name", "mail.example.com"},

		{"$FULLDATE $Time $o $CLIENT_IP $EXENAME", "Monday, 30th June 2014 13:32 +01:00 127.0.0.1 mailq.exe"},
		{"$yyyy$mm$dd-$hh$ii$ss", "20140630-133212"},
		{"$mmmm/$mmm/$mm", "June/Jun/06"},
		{"$dddd/$ddd/$dd", "Monday/Mon/30"},
		{"v$ver,", "v1.14,"},
		{"$rate", "Monday, 30th Jun 2014 13:32:12 +01:00ate"},

		{"$env.COMPUTERNAME^", "SNOOPY"},
		{"$env.computername^", "SNOOPY"},
		{"$env.lower^", "yes"},
		{"$env.USERDOMAIN&x", "CQx"},
		{"$env.ProgramFiles(x86)^", `C:\Program Files (x86)`},
		{"[$env.UNSET^]", "[]"},
		{"$env.COMPUTERNAME", "$env.COMPUTERNAME"},
		{"$env.^", "$env.^"},
		{"$env.A B^", "$env.A B^"},
		{"$env.$time^", "$env.13:32^"},

		{"", ""},
		{"no macros", "no macros"},
		{"$", "$"},
		{"costs $5", "costs $5"},
		{"$unknown $xyz", "$unknown $xyz"},
		{"$$time", "$13:32"},
		{"mail.example.com – welcome", "mail.example.com – welcome"},

		// The manual's long SMTPWelcome example.
		{"mail.example.com - Hello [$CLIENT_IP] - $EXENAME v$ver, $env.USERDOMAIN^ ($env.NUMBER_OF_PROCESSORS^ CPU) on $env.COMPUTERNAME^ $fulldate $O $time",
			"mail.example.com - Hello [127.0.0.1] - mailq.exe v1.14, CQ (2 CPU) on SNOOPY Monday, 30th June 2014 +01:00 13:32"},
		{"$server_name POP3 Daemon $pop_id", "mail.example.com POP3 Daemon <4260.EEE17315E4133505@example.com>"},

		// Nothing may start a second protocol line.
		{"a $env.EVIL^ b", "a x250 OKRSET b"},
		{"$env.EVIL_C1^", "abc[31md"},
		{"$env.BAD_UTF8^", "ab"},
		{"line\r\n220 forged", "line220 forged"},
		{"tab\there\x00\x7f", "tabhere"},
	}
	c := testContext()
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := Expand(tc.in, c); got != tc.want {
				t.Fatalf("Expand(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestExpandUnsafeContext(t *testing.T) {
	t.Parallel()
	c := Context{
		Now:      time.Date(2014, 6, 30, 0, 0, 0, 0, time.UTC),
		ClientIP: "1.2.3.4\r\nQUIT",
		HostName: "host\nname",
		POPID:    "<1.2@x>\r",
	}
	got := Expand("$client_ip $hostname $pop_id $env.PATH^", c)
	if want := "1.2.3.4QUIT hostname <1.2@x> "; got != want {
		t.Fatalf("Expand = %q; want %q", got, want)
	}
}

func TestExpandDates(t *testing.T) {
	t.Parallel()
	nst := time.FixedZone("NST", -(3*3600 + 30*60))
	cases := []struct {
		at   time.Time
		tmpl string
		want string
	}{
		{time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), "$fulldate $yearday $O", "Wednesday, 1st January 2014 1 +00:00"},
		{time.Date(2014, 1, 2, 0, 0, 0, 0, time.UTC), "$fulldate", "Thursday, 2nd January 2014"},
		{time.Date(2014, 1, 3, 0, 0, 0, 0, time.UTC), "$fulldate", "Friday, 3rd January 2014"},
		{time.Date(2014, 1, 4, 0, 0, 0, 0, time.UTC), "$fulldate", "Saturday, 4th January 2014"},
		{time.Date(2014, 1, 11, 0, 0, 0, 0, time.UTC), "$fulldate", "Saturday, 11th January 2014"},
		{time.Date(2014, 1, 12, 0, 0, 0, 0, time.UTC), "$fulldate", "Sunday, 12th January 2014"},
		{time.Date(2014, 1, 13, 0, 0, 0, 0, time.UTC), "$fulldate", "Monday, 13th January 2014"},
		{time.Date(2014, 1, 21, 0, 0, 0, 0, time.UTC), "$fulldate", "Tuesday, 21st January 2014"},
		{time.Date(2014, 1, 22, 0, 0, 0, 0, time.UTC), "$fulldate", "Wednesday, 22nd January 2014"},
		{time.Date(2014, 1, 23, 0, 0, 0, 0, time.UTC), "$fulldate", "Thursday, 23rd January 2014"},
		{time.Date(2014, 1, 31, 0, 0, 0, 0, time.UTC), "$fulldate", "Friday, 31st January 2014"},
		{time.Date(2016, 2, 29, 0, 0, 0, 0, time.UTC), "$yearday $isodate", "60 20160229"},
		{time.Date(2016, 12, 31, 23, 59, 59, 0, time.UTC), "$yearday $ukdate $time", "366 31122016 23:59"},
		{time.Date(2015, 12, 31, 0, 0, 0, 0, time.UTC), "$yearday", "365"},
		{time.Date(2009, 3, 5, 7, 8, 9, 0, nst), "$O $r", "-03:30 Thursday, 5th Mar 2009 07:08:09 -03:30"},
		{time.Date(2009, 3, 5, 7, 8, 9, 0, nst), "$yy$mm$dd $hh:$ii:$ss $usdate", "090305 07:08:09 03052009"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := Expand(tc.tmpl, Context{Now: tc.at}); got != tc.want {
				t.Fatalf("Expand(%q) at %v = %q; want %q", tc.tmpl, tc.at, got, tc.want)
			}
		})
	}
}

func TestDefinitionsLongestFirst(t *testing.T) {
	t.Parallel()
	for i := 1; i < len(definitions); i++ {
		if len(definitions[i].name) > len(definitions[i-1].name) {
			t.Fatalf("%q comes after the shorter %q", definitions[i].name, definitions[i-1].name)
		}
	}
}

// FuzzExpand checks that no template, environment value or client address
// can put a control character, a line separator or invalid UTF-8 into the
// output.
func FuzzExpand(f *testing.F) {
	f.Add("Hello [$client_ip] $env.X^ $fulldate", "v\r\nal", "1.2.3.4")
	f.Add("$env.X&$r$O$mmmm", "\u0085\u2028", "\x00")
	f.Add("\xff$\r\n", "", "")
	f.Fuzz(func(t *testing.T, tmpl, env, ip string) {
		c := testContext()
		c.ClientIP = ip
		c.Getenv = func(string) string { return env }
		out := Expand(tmpl, c)
		if !utf8.ValidString(out) {
			t.Fatalf("Expand(%q) = %q: invalid UTF-8", tmpl, out)
		}
		if i := strings.IndexFunc(out, func(r rune) bool {
			return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
		}); i >= 0 {
			t.Fatalf("Expand(%q) = %q: control character at %d", tmpl, out, i)
		}
	})
}
