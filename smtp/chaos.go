package smtp

import (
	"context"
	"strings"
	"time"

	"mailq/address"
	"mailq/chaos"
	"mailq/config"
)

// Chaos in the session: the [Chaos] rules (package chaos) asked before the
// greeting (CONNECT), before each HELO/EHLO, AUTH, MAIL, RCPT and DATA
// command, and after the final dot before the commit (EOD). A refusal there
// discards the message: nothing is committed, so nothing acknowledged is
// lost. Every decision is logged with its rule, seed and stream.

// chaosState is a session's part of the chaos.
type chaosState struct {
	ctx    context.Context // the server's: a delay or hang ends at shutdown
	stream *chaos.Stream   // nil without rules
	close  bool            // close after the answer to this command
}

// verbStages maps the commands the rules know to their stage.
var verbStages = map[string]config.ChaosStage{
	"HELO": config.StageHelo, "EHLO": config.StageHelo, "AUTH": config.StageAuth,
	"MAIL": config.StageMail, "RCPT": config.StageRcpt, "DATA": config.StageData,
}

// chaosWait waits d, or until the server stops; it reports whether d
// passed. Tests replace Server.wait to record delays without waiting.
func (srv *Server) chaosWait(ctx context.Context, d time.Duration) bool {
	if srv.wait != nil {
		return srv.wait(ctx, d)
	}
	return sleepCtx(ctx, d)
}

// chaosConnect starts the session's stream and applies the CONNECT rules.
// It reports whether the session is over (refused, dropped or hung up).
func (s *session) chaosConnect(ctx context.Context) bool {
	s.chaos.ctx = ctx
	s.chaos.stream = s.srv.chaos.Stream(s.id)
	d := s.chaos.stream.Decide(config.StageConnect, s.ipText())
	if !d.Hit() {
		return false
	}
	r, over := s.chaosApply(d)
	if !over && !d.Close {
		return false
	}
	if !over {
		r = s.greeting() // close: greet, then close
	}
	if !r.written {
		r.Close = true
		s.send(r)
	}
	return true
}

// chaosBefore applies the rules of verb's stage before its handler runs:
// it returns the reply to send instead, if one fired.
func (s *session) chaosBefore(verb, arg string) (Reply, bool) {
	stage, ok := verbStages[verb]
	if !ok || !s.srv.chaos.Has(stage) {
		return Reply{}, false
	}
	return s.chaosApply(s.chaos.stream.Decide(stage, s.chaosSubjects(stage, arg)...))
}

// chaosEndOfData applies the EOD rules after the final dot.
func (s *session) chaosEndOfData() (Reply, bool) {
	if !s.srv.chaos.Has(config.StageEOD) {
		return Reply{}, false
	}
	return s.chaosApply(s.chaos.stream.Decide(config.StageEOD, s.chaosSubjects(config.StageEOD, "")...))
}

// chaosAfter closes the session after r when a close rule fired for this
// command (or its message).
func (s *session) chaosAfter(r Reply) Reply {
	if s.chaos.close {
		s.chaos.close = false
		if s.closeWhy == "" {
			s.closeWhy = "chaos: close"
		}
		r.Close = true
	}
	return r
}

// chaosApply logs d and carries it out: the delay first, then the reply,
// drop or hang, if any.
func (s *session) chaosApply(d chaos.Decision) (Reply, bool) {
	for _, f := range d.Fired {
		s.srv.log.SMTPChaos(s.logConn(), f)
	}
	s.chaos.close = s.chaos.close || d.Close
	if d.Delay > 0 || (d.Final != nil && d.Final.Action == config.ActHang) {
		s.flush() // the answers to earlier pipelined commands go out before the wait
	}
	if d.Delay > 0 && !s.srv.chaosWait(s.chaos.ctx, d.Delay) {
		s.closeWhy = "shutdown"
		return reply(421, "4.3.2", s.srv.host+" Service shutting down, try again later").closing(), true
	}
	if d.Final == nil {
		return Reply{}, false
	}
	switch d.Final.Action {
	case config.ActDrop:
		s.closeWhy = "chaos: drop"
		return Reply{Close: true, written: true}, true // nothing is written
	case config.ActHang:
		// No answer; the client gives up, or Timeout ends it.
		s.srv.chaosWait(s.chaos.ctx, s.srv.opt.Server.Timeout)
		s.closeWhy = "chaos: hang"
		return Reply{Close: true, written: true}, true
	}
	r := reply(d.Final.Code, d.Final.Enh, d.Final.Text)
	if r.Code == 421 {
		r = r.closing() // RFC 5321 §3.8: 421 closes the transmission channel
	}
	return r, true
}

// chaosSubjects returns what a stage's patterns are matched against.
func (s *session) chaosSubjects(stage config.ChaosStage, arg string) []string {
	switch stage {
	case config.StageHelo, config.StageAuth:
		w, _ := cutWord(arg)
		return []string{w}
	case config.StageMail:
		if text, ok := cutPrefixFold(arg, "FROM:"); ok {
			if a, err := address.ParseMailArg(text); err == nil && !a.Path.Null {
				return []string{a.Path.Mailbox.String()}
			}
		}
		return []string{""}
	case config.StageRcpt:
		if text, ok := cutPrefixFold(arg, "TO:"); ok {
			if a, err := address.ParseRcptArg(text); err == nil {
				return []string{a.Path.Mailbox.String()}
			}
		}
		return []string{strings.TrimSpace(arg)}
	}
	out := []string{s.from}
	for _, r := range s.rcpts {
		out = append(out, r.Addr)
	}
	return out
}
