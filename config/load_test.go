package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestINILookup(t *testing.T) {
	t.Parallel()
	type setup struct{ cwd, exe, other bool }
	for _, tc := range []struct {
		name     string
		files    setup
		args     []string
		wantPort int    // SMTPPort of the file read: 1 cwd, 2 exe, 3 other; 2525 quick-start; 25 none
		wantPath string // "cwd", "exe", "other"
		found    bool
	}{
		{"cwd first", setup{true, true, true}, nil, 1, "cwd", true},
		{"exe dir next", setup{false, true, true}, nil, 2, "exe", true},
		{"ini switch", setup{true, true, true}, []string{"/INI:sub/other.ini"}, 3, "other", true},
		{"none: quick-start beside the program", setup{}, nil, 2525, "exe", false},
		{"noini", setup{true, true, true}, []string{"/NOINI"}, 25, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := testEnv(t)
			paths := map[string]string{
				"cwd":   filepath.Join(env.Cwd, "mailq.ini"),
				"exe":   filepath.Join(env.ExeDir, "mailq.ini"),
				"other": filepath.Join(env.Cwd, "sub", "other.ini"),
			}
			for name, on := range map[string]bool{"cwd": tc.files.cwd, "exe": tc.files.exe, "other": tc.files.other} {
				if on {
					port := map[string]string{"cwd": "1", "exe": "2", "other": "3"}[name]
					writeFile(t, paths[name], "[Config]\nHostName=h\nSMTPPort="+port+"\n")
				}
			}
			inv, err := ParseArgs(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Load(inv, env)
			if err != nil {
				t.Fatal(err)
			}
			if c.SMTP.Port != tc.wantPort || c.INIPath != paths[tc.wantPath] || c.INIFound != tc.found {
				t.Errorf("port %d, INIPath %q, found %v; want %d, %q, %v", c.SMTP.Port, c.INIPath, c.INIFound, tc.wantPort, paths[tc.wantPath], tc.found)
			}
			wantBase := filepath.Dir(paths[tc.wantPath])
			if tc.wantPath == "" {
				wantBase = env.Cwd
			}
			if c.BaseDir != wantBase || c.Paths.Queue != filepath.Join(wantBase, "queue") {
				t.Errorf("BaseDir %q, queue %q; want base %q", c.BaseDir, c.Paths.Queue, wantBase)
			}
			// Not finding mailq.ini is said once, in the summary, with where
			// /ADDUSER writes it; not as a warning, which account commands
			// would print while they create the file.
			if hasWarning(c, "quick-start") || hasWarning(c, "mailq.ini") {
				t.Errorf("warnings %q", c.Warnings)
			}
			first := c.Summary()[0]
			quick := strings.Contains(first, "quick-start") && strings.Contains(first, "/ADDUSER writes them to "+c.INIPath)
			if quick != (!tc.found && tc.wantPath != "") {
				t.Errorf("summary's first line %q", first)
			}
		})
	}
}

func TestQuickStartHomeUnderGoRun(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	env.ExeDir = filepath.Join(os.TempDir(), "go-build123456", "b001", "exe")
	c, err := Load(&Invocation{}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseDir != env.Cwd || c.INIPath != filepath.Join(env.Cwd, "mailq.ini") {
		t.Fatalf("go run binary: BaseDir %q INIPath %q; want the current folder %q", c.BaseDir, c.INIPath, env.Cwd)
	}
}

func TestINISwitchMissingFile(t *testing.T) {
	t.Parallel()
	inv, err := ParseArgs([]string{"/INI:nope.ini"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(inv, testEnv(t))
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "mailq: /INI:nope.ini: ") {
		t.Errorf("Load error = %v; want a not-exist error naming /INI:nope.ini", err)
	}
}

func TestUnreadableINIIsAnError(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	// A folder named mailq.ini cannot be read: an error, not a fall-back
	// to the next place.
	if err := os.Mkdir(filepath.Join(env.Cwd, "mailq.ini"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(env.ExeDir, "mailq.ini"), "[Config]\nHostName=h\n")
	if _, err := Load(nil, env); err == nil {
		t.Error("Load read past an unreadable mailq.ini")
	}
}

func TestQuickStartLoadsCleanly(t *testing.T) {
	t.Parallel()
	c, err := loadData(QuickStartINI, absBase, &Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("quick-start warnings: %q", c.Warnings)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"SMTP port 2525", c.SMTP.Port == 2525},
		{"POP3 port 1100", c.POP.Port == 1100},
		{"bound to loopback", c.Server.Bind == "127.0.0.1"},
		{"host name", c.Server.HostName == "localhost" && c.Server.HostDomain == "localhost"},
		{"domains", strings.Join(c.Domains, ",") == "localhost,localhost.com"},
		{"two-way relay", c.SMTP.Relay == RelayTwoWay},
		{"both greetings", c.SMTP.Mode == SMTPModeBoth},
		{"MDA on", c.MDA.Enabled && c.MDA.RefileUnknownUsers},
		{"MXA off", !c.MXA.Enabled},
	}
	for _, ck := range checks {
		if !ck.ok {
			t.Errorf("quick-start: %s is not so", ck.name)
		}
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	t.Run("defaults", func(t *testing.T) {
		t.Parallel()
		c := mustLoad(t, "[Config]\nHostName=h")
		b := c.BaseDir
		want := Paths{
			Queue: filepath.Join(b, "queue"), External: filepath.Join(b, "queue", "external"),
			Retry: filepath.Join(b, "queue", "retry"), Sent: filepath.Join(b, "queue", "sent"),
			Failed: filepath.Join(b, "queue", "failed"), Bad: filepath.Join(b, "queue", "bad"),
			Users: filepath.Join(b, "users"), Unknown: filepath.Join(b, "users", "unknown"),
			Logs: filepath.Join(b, "logs"), Scripts: filepath.Join(b, "scripts"),
			IPBlock: filepath.Join(b, "ipblock.txt"), Motd: filepath.Join(b, "users", "motd.txt"),
			SMTPLock: filepath.Join(b, "smtpserver.lck"), POPLock: filepath.Join(b, "popserver.lck"),
			WebLock: filepath.Join(b, "webserver.lck"), SinkLock: filepath.Join(b, "sinkserver.lck"),
			KeyFile: filepath.Join(b, "mailq.key"), POPBeforeSMTP: filepath.Join(b, "popbeforesmtp.txt"),
			FailedLogins: filepath.Join(b, "failedlogins.txt"),
		}
		if c.Paths != want {
			t.Errorf("Paths =\n%+v\nwant\n%+v", c.Paths, want)
		}
		if DefaultPaths(b) != want {
			t.Errorf("DefaultPaths(%q) differs from the loaded defaults", b)
		}
	})
	t.Run("sub-folders follow the queue unless set", func(t *testing.T) {
		t.Parallel()
		c := mustLoad(t, "[Config]\nQueuePath=\".\\spool\"\n[MXA]\nSentPath=/archive/sent\n[MDA]\nUserPath=..\\boxes\n")
		b := c.BaseDir
		if c.Paths.Queue != filepath.Join(b, "spool") || c.Paths.Retry != filepath.Join(b, "spool", "retry") ||
			c.Paths.Sent != rooted(b, "/archive/sent") || c.Paths.Users != filepath.Join(filepath.Dir(b), "boxes") ||
			c.Paths.Motd != filepath.Join(filepath.Dir(b), "boxes", "motd.txt") {
			t.Errorf("Paths = %+v", c.Paths)
		}
	})
	t.Run("switch paths are relative to the current folder", func(t *testing.T) {
		t.Parallel()
		env := testEnv(t)
		ini := filepath.Join(env.ExeDir, "mailq.ini")
		writeFile(t, ini, "[Config]\nHostName=h\nQueuePath=q1\n")
		inv, _ := ParseArgs([]string{"/UPATH:u2"})
		c, err := Load(inv, env)
		if err != nil {
			t.Fatal(err)
		}
		if c.Paths.Queue != filepath.Join(env.ExeDir, "q1") || c.Paths.Users != filepath.Join(env.Cwd, "u2") {
			t.Errorf("queue %q users %q", c.Paths.Queue, c.Paths.Users)
		}
	})
	t.Run("two settings, one folder", func(t *testing.T) {
		t.Parallel()
		_, err := loadText(t, "[Config]\nQueuePath=mail\n[MDA]\nUserPath=./mail/\n")
		if err == nil || !strings.Contains(err.Error(), "[Config] QueuePath and [MDA] UserPath both name") {
			t.Errorf("Load error = %v", err)
		}
	})
}

func TestHostNameFallback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		hostname func() (string, error)
		want     string
	}{
		{"from the system", func() (string, error) { return "box.lan", nil }, "box.lan"},
		{"system error", func() (string, error) { return "", errors.New("no") }, "localhost"},
		{"unusable name", func() (string, error) { return "bad name", nil }, "localhost"},
		{"no function", nil, "localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := testEnv(t)
			env.Hostname = tc.hostname
			inv, _ := ParseArgs([]string{"/NOINI"})
			c, err := Load(inv, env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Server.HostName != tc.want || !hasWarning(c, "HostName is not set; using "+tc.want) {
				t.Errorf("HostName %q, warnings %q; want %q", c.Server.HostName, c.Warnings, tc.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	text := "[Config]\nHostName=mail.example.com\nHostDomain=example.com\nLogLevel=2\n" +
		"[MDA]\nEnabled=True\n[MXA]\nEnabled=True\nMX=Local\n[LocalMX]\nItem1=*,*\n"
	smtp := strings.Join(mustLoad(t, text).Summary(), "\n")
	for _, want := range []string{
		"INI file: ", "Listening on: *:25", "Worker threads: 4", "Watchdog timeout: 2 minutes",
		"Host name: mail.example.com", "Host domain: example.com", "Active protocols: SMTP and ESMTP",
		"Relay mode: One-Way Relay", "Size limit: 20MB", "MDA: on", "Email aliases: 0", "MXA: on",
		"Expiry time: 1 day", "Retry interval: 10 minutes", "MX mode: Local, 1 local MX record(s)",
		"Detect loops: on, at most 50 hops", "Log level: 2 (Info), files in ",
	} {
		if !strings.Contains(smtp, want) {
			t.Errorf("SMTP summary lacks %q:\n%s", want, smtp)
		}
	}
	pop := strings.Join(mustLoad(t, text, "/POP", "/PORT:1100").Summary(), "\n")
	for _, want := range []string{"Listening on: *:1100", "Active protocols: POP3", "Login limits: 5 failures from one address for one account"} {
		if !strings.Contains(pop, want) {
			t.Errorf("POP3 summary lacks %q:\n%s", want, pop)
		}
	}
	for _, notWant := range []string{"Relay mode", "MXA", "Queue path", "Size limit"} {
		if strings.Contains(pop, notWant) {
			t.Errorf("POP3 summary shows %q:\n%s", notWant, pop)
		}
	}
	noini := strings.Join(loadSwitches(t).Summary(), "\n")
	if !strings.Contains(noini, "INI file: none read (/NOINI)") {
		t.Errorf("summary with /NOINI:\n%s", noini)
	}
}
