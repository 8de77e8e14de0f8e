package mailtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Env is what a run needs from outside.
type Env struct {
	Stdout   io.Writer
	Color    bool // colour the trace (a terminal, NO_COLOR unset)
	Hostname string
	Now      func() time.Time
	Timeout  time.Duration // per step; 0: 30 s
}

func (e *Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Env) hostname() string {
	if e.Hostname == "" {
		return "localhost"
	}
	return e.Hostname
}

// Run runs one test from a command line and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	o, err := Parse(args)
	if err != nil {
		var ue *UsageError
		errors.As(err, &ue)
		fmt.Fprintf(env.Stdout, "mailtest: %v\nRun \"mailtest /?\" for the syntax.\n", err)
		return ue.Code
	}
	if o.Help {
		fmt.Fprint(env.Stdout, Usage)
		return ExitOK
	}
	return Test(ctx, o, env)
}

// Test runs the test o describes and returns the exit code.
func Test(ctx context.Context, o *Options, env Env) int {
	timeout := env.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	tr := newTracer(env.Stdout, env.Color, env.now)
	proto, unreachable := "SMTP", ExitSMTPFailure
	if o.POP {
		proto, unreachable = "POP3", ExitPOPAuth
	}
	tr.notef("Testing %s at %s (%s)", proto, o.addr(), o.describe())
	cn, err := dial(ctx, o, tr, timeout)
	if err != nil {
		tr.failf("FAILED (exit %d): %v", unreachable, err)
		return unreachable
	}
	defer cn.close()
	stop := context.AfterFunc(ctx, cn.close)
	defer stop()
	if o.POP {
		err = (&popSession{conn: cn, o: o}).run()
	} else {
		err = (&smtpSession{conn: cn, o: o, env: &env}).run()
	}
	if err != nil {
		var f *failure
		if !errors.As(err, &f) {
			f = &failure{code: unreachable, msg: err.Error()}
		}
		tr.failf("FAILED (exit %d): %s", f.code, f.msg)
		return f.code
	}
	what := "logged in"
	if !o.POP {
		what = fmt.Sprintf("%d message(s) sent", o.Count)
	}
	tr.notef("OK: %s in %s", what, ms(tr.elapsed()))
	return ExitOK
}

// describe names the login and TLS mode for the first trace line.
func (o *Options) describe() string {
	auth := map[Auth]string{AuthPlain: "AUTH PLAIN", AuthLogin: "AUTH LOGIN",
		AuthCRAM: "AUTH CRAM-MD5", AuthAPOP: "APOP", AuthRPOP: "RPOP",
		AuthBest: "AUTH (best offered)"}[o.Auth]
	if auth == "" {
		auth = "no login"
		if o.POP {
			auth = "USER/PASS"
		}
	}
	switch o.TLS {
	case TLSStart:
		auth += ", STARTTLS"
	case TLSImplicit:
		auth += ", implicit TLS"
	}
	return auth
}
