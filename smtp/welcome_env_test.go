package smtp

import (
	"testing"
)

// TestWelcomeEnv: $env.NAME^ in SMTPWelcome is looked up with the Getenv
// the server was given, not the process's environment.
func TestWelcomeEnv(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) {
		o.SMTP.Welcome = "hello from $env.MAILQ_WELCOME_TEST^"
		o.Getenv = func(name string) string {
			if name == "MAILQ_WELCOME_TEST" {
				return "the test's environment"
			}
			return ""
		}
	})
	if _, greet := dial(t, ts.addr); greet != "220 hello from the test's environment" {
		t.Fatalf("greeted with %q", greet)
	}
}
