package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseChaosRule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string // want: the rule's fields, or "error: ..." (a part of the message)
	}{
		{"* RCPT 30% 451 4.3.0 Try again later", "* RCPT 30 0 reply 451 4.3.0 Try again later"},
		{"Fail+*@ rcpt 550 5.1.1 No such user", "fail+*@* RCPT 100 0 reply 550 5.1.1 No such user"},
		{"slow@ RCPT delay 30s", "slow@* RCPT 100 0 delay 30s"},
		{"* MAIL close", "* MAIL 100 0 close"},
		{"* DATA 0.5% drop", "* DATA 0.5 0 drop"},
		{"* EOD 2x hang", "* EOD 100 2 hang"},
		{"*@example.org SEND 20% 3X 451 4.4.1 Down", "*@example.org SEND 20 3 reply 451 4.4.1 Down"},
		{"* CONNECT 421", "* CONNECT 100 0 reply 421  Refused by a chaos rule"},
		{"* HELO 554 5.x is text", "* HELO 100 0 reply 554  5.x is text"},
		{"* AUTH 454 5.7.0 class differs", "* AUTH 100 0 reply 454  5.7.0 class differs"},
		{"* RCPT 30%", "error: expected an action"},
		{"* RCPT", "error: expected pattern STAGE"},
		{"* BOGUS 451", "error: expected a stage"},
		{"* RCPT 0% 451 x", "error: expected a percentage"},
		{"* RCPT 101% 451 x", "error: expected a percentage"},
		{"* RCPT 0x 451 x", "error: expected a count"},
		{"* RCPT 250 2.0.0 fine", "error: expected an action"},
		{"* RCPT delay", "error: expected delay and a duration"},
		{"* RCPT delay 2h", "error: expected a whole number"},
		{"* RCPT drop now", "error: expected nothing after drop"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			r, err := ParseChaosRule(tc.in)
			if err != nil {
				if !strings.HasPrefix(tc.want, "error: ") || !strings.Contains(err.Error(), strings.TrimPrefix(tc.want, "error: ")) {
					t.Fatalf("error %v, want %s", err, tc.want)
				}
				return
			}
			act := map[ChaosAction]string{ActReply: "reply", ActDelay: "delay", ActDrop: "drop", ActClose: "close", ActHang: "hang"}[r.Action]
			got := fmt.Sprintf("%s %s %g %d %s", r.Pattern, r.Stage, r.Percent, r.Times, act)
			switch r.Action {
			case ActReply:
				got += fmt.Sprintf(" %d %s %s", r.Code, r.Enh, r.Text)
			case ActDelay:
				got += " " + r.Delay.String()
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestChaosSection: Seed and numbered rules in file order; a bad rule is
// an error naming its key; other keys are warned about; the summary says
// what is on.
func TestChaosSection(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "[Config]\nHostName=h\n[Chaos]\nSeed=42\nRule2=* RCPT delay 2s\nRule1=b@ MAIL 550 5.7.1 No\nRule9=\nOther=1\n")
	if c.Chaos.Seed != 42 || len(c.Chaos.Rules) != 2 || c.Chaos.Rules[0].Key != "Rule2" ||
		c.Chaos.Rules[0].Delay != 2*time.Second || c.Chaos.Rules[1].Pattern != "b@*" {
		t.Errorf("Chaos = %+v", c.Chaos)
	}
	if !hasWarning(c, `[Chaos] "Other" is not a known key`) {
		t.Errorf("warnings %q", c.Warnings)
	}
	if !strings.Contains(strings.Join(c.Summary(), "\n"), "Chaos: 2 rule(s), seed 42") {
		t.Errorf("summary:\n%s", strings.Join(c.Summary(), "\n"))
	}
	_, err := loadText(t, "[Chaos]\nRule1=* RCPT 5% 250 ok\n")
	if err == nil || !strings.Contains(err.Error(), "[Chaos] Rule1=") {
		t.Errorf("error %v, want one naming [Chaos] Rule1", err)
	}
	if _, err := loadText(t, "[Chaos]\nSeed=-1\n"); err == nil {
		t.Error("Seed=-1 accepted")
	}
	if c := mustLoad(t, "[Config]\nHostName=h\n"); strings.Contains(strings.Join(c.Summary(), "\n"), "\nChaos: ") {
		t.Errorf("summary without rules:\n%s", strings.Join(c.Summary(), "\n"))
	}
	if c := mustLoad(t, "[Config]\nHostName=h\n", "/SINK"); !strings.Contains(strings.Join(c.Summary(), "\n"), "Chaos: off") {
		t.Errorf("the sink's summary without rules:\n%s", strings.Join(c.Summary(), "\n"))
	}
}

// TestSinkSwitch: /SINK selects the sink instance, /PORT sets SinkPort,
// the agents are off, and it does not go with /POP, /WEB or /MXA.
func TestSinkSwitch(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "[Config]\nHostName=h\n[MDA]\nEnabled=True\n", "/SINK", "/PORT:2600")
	if c.Mode != ModeSink || c.Sink.Port != 2600 || c.SMTP.Port != 25 || c.MDA.Enabled {
		t.Errorf("mode %v, sink port %d, SMTP port %d, MDA %v", c.Mode, c.Sink.Port, c.SMTP.Port, c.MDA.Enabled)
	}
	for _, args := range [][]string{{"/SINK", "/POP"}, {"/WEB", "/SINK"}, {"/SINK", "/MXA"}} {
		if _, err := ParseArgs(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	inv, err := ParseArgs([]string{"/STOP:sink"})
	if err != nil || inv.Stop != StopSink {
		t.Errorf("/STOP:sink: %v %v", inv, err)
	}
}

// FuzzParseChaosRule: no input panics, and an accepted rule is one the
// package chaos can carry out: a known stage and action, a share in
// (0, 100], a 4xx or 5xx code for a reply, a delay of at most an hour.
func FuzzParseChaosRule(f *testing.F) {
	for _, s := range []string{"* RCPT 30% 451 4.3.0 Try", "a@ MAIL 2x delay 1s", "* EOD drop", "? SEND 1e2% 5x 550", "* DATA NaN% 451"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseChaosRule(s)
		if err != nil {
			return
		}
		if r.Stage < StageConnect || r.Stage > StageSend || r.Action < ActReply || r.Action > ActHang ||
			!(r.Percent > 0 && r.Percent <= 100) || r.Times < 0 || r.Delay < 0 || r.Delay > time.Hour {
			t.Fatalf("%q: accepted %+v", s, r)
		}
		if r.Action == ActReply && (r.Code < 400 || r.Code > 599 || r.Text == "") {
			t.Fatalf("%q: reply %+v", s, r)
		}
	})
}
