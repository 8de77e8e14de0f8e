package logs

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestCSVRowsCannotBeForged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)
	l, err := New(Options{Dir: dir, Level: Normal, Console: &bytes.Buffer{}, Now: fixedNow(now)})
	if err != nil {
		t.Fatal(err)
	}
	subject := "hello, \"world\"\r\nforged,row,here"
	l.emit(event{File: FileReceived, Module: "SMTP", ID: "7", Status: "OK", Text: "received", Fields: []string{subject, "a@b"}})
	l.Close()

	data, err := os.ReadFile(filepath.Join(dir, "received-20261123.log"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("log is not valid CSV: %v\n%s", err, data)
	}
	if len(rows) != 2 || strings.Count(string(data), "\n") != 2 {
		t.Fatalf("got %d rows, want a header and one row, each a line:\n%s", len(rows), data)
	}
	want := []string{"2026-11-23T10:15:00.000Z", "7", "SMTP", "OK", "received", `hello, "world"\x0d\x0aforged,row,here`, "a@b", "", "", "", "", "", ""}
	if strings.Join(rows[1], "|") != strings.Join(want, "|") {
		t.Fatalf("row = %q\nwant  %q", rows[1], want)
	}
}

func TestFilesFollowDateAndLevel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var now time.Time
	l, err := New(Options{Dir: dir, Level: Info, Console: &bytes.Buffer{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)
	l.emit(event{File: FileSMTP, Level: Normal, Text: "one"})
	l.emit(event{File: FileSMTP, Level: Debug, Text: "too detailed"})
	now = now.Add(2 * time.Second)
	l.emit(event{File: FileSMTP, Level: Info, Text: "two"})
	l.emit(event{Text: "server line"})
	l.Close()

	for name, want := range map[string]string{
		"smtp-20261123.log": "one",
		"smtp-20261124.log": "two",
		"server.log":        "server line",
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if len(rows) != 2 || rows[1][4] != want {
			t.Errorf("%s rows = %q, want the header and one row with %q", name, rows, want)
		}
	}
}

func TestNoFilesWhenOff(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	l, err := New(Options{Dir: dir, Level: Off, Console: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	l.emit(event{File: FileSMTP, Text: "x"})
	l.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("logs folder created with LogLevel 0: %v", err)
	}
}

func TestConsole(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 9, 5, 7, 0, time.Local)
	on, off := true, false
	cases := []struct {
		name    string
		opt     Options
		ev      event
		want    string // substring; "" means nothing printed
		escapes bool
	}{
		{"plain", Options{Color: &off}, event{Module: "SMTP", ID: "12", Text: "hello"}, "09:05:07 12    SMTP  hello\n", false},
		{"coloured", Options{Color: &on}, event{Color: green, Module: "POP3", Text: "ok"}, "POP3  ok", true},
		{"quiet", Options{Quiet: true}, event{Text: "x"}, "", false},
		{"info hidden at normal", Options{Level: Normal, Color: &off}, event{Level: Info, Text: "x"}, "", false},
		{"debug shown in debug mode", Options{Debug: true, Color: &off}, event{Level: Debug, Text: "deep"}, "deep", false},
		{"control characters escaped", Options{Color: &off}, event{Text: "evil\x1b[31m\r\nline"}, `evil\x1b[31m\x0d\x0aline`, false},
		{"C1 controls escaped", Options{Color: &off}, event{Text: "evil\u009b31m\u0085line"}, `evil\u009b31m\u0085line`, false},
		{"invalid UTF-8 escaped", Options{Color: &off}, event{Text: "a\xff\xc3b"}, `a\xff\xc3b`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			c.opt.Console, c.opt.Now = &buf, fixedNow(now)
			l, err := New(c.opt)
			if err != nil {
				t.Fatal(err)
			}
			l.emit(c.ev)
			got := buf.String()
			if c.want == "" {
				if got != "" {
					t.Fatalf("printed %q, want nothing", got)
				}
				return
			}
			if !strings.Contains(got, c.want) {
				t.Fatalf("printed %q, want it to contain %q", got, c.want)
			}
			if strings.Contains(got, "\x1b[") != c.escapes {
				t.Fatalf("escape codes present = %v, want %v: %q", !c.escapes, c.escapes, got)
			}
		})
	}
}

func TestNoColorEnv(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	var buf bytes.Buffer
	l, _ := New(Options{Console: &buf})
	l.emit(event{Color: red, Text: "plain please"})
	if strings.Contains(buf.String(), "\x1b[") {
		t.Fatalf("colour with NO_COLOR set: %q", buf.String())
	}
}

func TestConcurrentRowsStayWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := New(Options{Dir: dir, Level: Normal, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				l.emit(event{Text: strings.Repeat("x", 100), Fields: []string{"a,b", "c\"d"}})
			}
		}()
	}
	wg.Wait()
	l.Close()
	data, _ := os.ReadFile(filepath.Join(dir, "server.log"))
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) != 1601 {
		t.Fatalf("rows = %d, err = %v", len(rows), err)
	}
}
