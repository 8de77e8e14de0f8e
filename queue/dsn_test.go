package queue

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDSNFields: RET, ENVID, NOTIFY, ORCPT and the agents' marks make an
// envelope version 4 and read back the same; a version 3 file without them
// still parses, and an envelope without them is still written as before.
func TestDSNFields(t *testing.T) {
	t.Parallel()
	e := &Envelope{ID: "2013100717060690338676", From: "s@x", Ret: RetHdrs, EnvID: "QQ 314159+",
		Notice: NoticeOf{ID: "2013100717060611111111", Folder: Retry, Delay: true},
		Recipients: []Recipient{
			{N: 1, Addr: "a@b", Notify: NotifySuccess | NotifyDelay, ORcpt: "rfc822;A@B",
				Warned: time.Date(2013, 10, 7, 21, 0, 0, 0, time.UTC)},
			{N: 2, Addr: "c@d", Notify: NotifyNever, Passed: true, Status: StatusDelivered},
			{N: 3, Addr: "e@f"},
		}}
	text, err := e.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mailq-envelope 4\n", "\nnotice retry/2013100717060611111111\nreport delayed\nret HDRS\nenvid QQ%20314159+\n",
		" notify=SUCCESS,DELAY orcpt=rfc822;A@B warned=2013-10-07T21:00:00Z\n", " notify=NEVER passed=yes\n", "rcpt e@f n=3 status=pending\n"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("written file lacks %q:\n%s", want, text)
		}
	}
	got, err := ParseEnvelope(text)
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("read back %+v, %v; want %+v", got, err, e)
	}
	old := "mailq-envelope 3\nnotice queue/2013100717060611111111\nfrom s@x\nrcpt a@b n=1 status=pending\nend\n"
	if got, err := ParseEnvelope([]byte(old)); err != nil || got.Recipients[0].Notify != 0 || got.Ret != RetUnset {
		t.Errorf("version 3 file: %+v, %v", got, err)
	}
	plain := &Envelope{From: "s@x", Recipients: []Recipient{{N: 1, Addr: "a@b"}}}
	if text, _ := plain.MarshalText(); !strings.HasPrefix(string(text), "mailq-envelope 1\n") {
		t.Errorf("an envelope without DSN fields: %s", text)
	}
	// "report" before "notice" keeps the delay mark.
	swapped := "mailq-envelope 4\nreport delayed\nnotice queue/2013100717060611111111\nfrom s@x\nrcpt a@b\nend\n"
	if got, err := ParseEnvelope([]byte(swapped)); err != nil || !got.Notice.Delay {
		t.Errorf("report before notice: %+v, %v", got, err)
	}
}

func TestParseNotify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Notify{
		"NEVER": NotifyNever, "never": NotifyNever, "SUCCESS": NotifySuccess,
		"Failure,Delay": NotifyFailure | NotifyDelay, "DELAY,SUCCESS,FAILURE": NotifySuccess | NotifyFailure | NotifyDelay,
		"": 0, "NEVER,SUCCESS": 0, "SUCCESS,SUCCESS": 0, "SUCCESS,": 0, "ALWAYS": 0, "SUCCESS FAILURE": 0,
	} {
		got, ok := ParseNotify(in)
		if got != want || ok != (want != 0) {
			t.Errorf("ParseNotify(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if !Notify(0).Wants(NotifyFailure) || !Notify(0).Wants(NotifyDelay) || Notify(0).Wants(NotifySuccess) ||
		NotifyNever.Wants(NotifyFailure) || !NotifySuccess.Wants(NotifySuccess) || NotifySuccess.Wants(NotifyFailure) {
		t.Error("Wants")
	}
}

// TestHeldDelay: a delay notice is held while its set is in its folder and
// has not recorded it (warned), and released once it has.
func TestHeldDelay(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	src := commitMsg(t, tr, Retry, "Subject: x\r\n\r\nbody\r\n")
	n := testEnvelope()
	n.Notice = NoticeOf{ID: src, Folder: Retry, Delay: true}
	if held, err := tr.Held(n); err != nil || !held {
		t.Fatalf("before the mark: Held = %v, %v", held, err)
	}
	set, err := tr.Envelope(Retry, src)
	if err != nil {
		t.Fatal(err)
	}
	set.Recipients[0].Warned = time.Now()
	if err := tr.UpdateEnvelope(Retry, set); err != nil {
		t.Fatal(err)
	}
	if held, err := tr.Held(n); err != nil || held {
		t.Fatalf("after the mark: Held = %v, %v", held, err)
	}
}
