package mailtest

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		code int // expected usage exit code; -1 for success
		want func(*Options) bool
	}{
		{"smtp defaults", []string{"mx.test", "a@x.test", "b@y.test"}, -1, func(o *Options) bool {
			return !o.POP && !o.EHLO && o.Auth == AuthNone && o.addr() == "mx.test:25" && o.Count == 1
		}},
		{"null sender", []string{"mx.test", "<>", "<b@y.test>"}, -1, func(o *Options) bool { return o.From == "" && o.To == "b@y.test" }},
		{"password picks a mechanism and EHLO", []string{"mx.test", "a@x.test", "b@y.test", "pw"}, -1, func(o *Options) bool {
			return o.Auth == AuthBest && o.EHLO && o.Password == "pw"
		}},
		{"switches anywhere, any case", []string{"/ehlo", "mx.test", "-AuthCram", "a@x.test", "b@y.test", "pw", "/port:2525"}, -1, func(o *Options) bool {
			return o.Auth == AuthCRAM && o.addr() == "mx.test:2525"
		}},
		{"implicit TLS ports", []string{"mx.test", "a@x.test", "b@y.test", "/TLS"}, -1, func(o *Options) bool { return o.addr() == "mx.test:465" }},
		{"pop3s port", []string{"mx.test", "u", "p", "/POP", "/TLS"}, -1, func(o *Options) bool { return o.addr() == "mx.test:995" }},
		{"starttls implies EHLO", []string{"mx.test", "a@x.test", "b@y.test", "/STARTTLS"}, -1, func(o *Options) bool { return o.EHLO && o.TLS == TLSStart }},
		{"ipv6 literal", []string{"[::1]", "a@x.test", "b@y.test", "/PORT:25"}, -1, func(o *Options) bool { return o.addr() == "[::1]:25" }},
		{"pop user pass", []string{"mx.test", "u", "p", "/POP"}, -1, func(o *Options) bool { return o.POP && o.User == "u" && o.Password == "p" && o.addr() == "mx.test:110" }},
		{"rpop needs no password", []string{"mx.test", "u", "/POP", "/RPOP"}, -1, func(o *Options) bool { return o.Auth == AuthRPOP }},
		{"size and count", []string{"mx.test", "a@x.test", "b@y.test", "/SIZE:1000", "/COUNT:3"}, -1, func(o *Options) bool { return o.Size == 1000 && o.Count == 3 }},

		{"too many smtp arguments", []string{"mx.test", "a", "b", "pw", "extra"}, ExitUsage, nil},
		{"too many pop arguments", []string{"mx.test", "u", "p", "x", "/POP"}, ExitUsage, nil},
		{"unknown switch", []string{"mx.test", "a", "b", "/FROB"}, ExitUsage, nil},
		{"no server", nil, ExitUsage, nil},
		{"no sender", []string{"mx.test"}, ExitNoSender, nil},
		{"no recipient", []string{"mx.test", "a@x.test"}, ExitNoRecipient, nil},
		{"empty recipient", []string{"mx.test", "a@x.test", "<>"}, ExitNoRecipient, nil},
		{"auth without password", []string{"mx.test", "a@x.test", "b@y.test", "/AUTHPLAIN"}, ExitUsage, nil},
		{"auth with null sender", []string{"mx.test", "<>", "b@y.test", "pw"}, ExitUsage, nil},
		{"apop without pop", []string{"mx.test", "a", "b", "/APOP"}, ExitUsage, nil},
		{"smtp auth in pop mode", []string{"mx.test", "u", "p", "/POP", "/AUTHLOGIN"}, ExitUsage, nil},
		{"two mechanisms", []string{"mx.test", "a", "b", "pw", "/AUTHLOGIN", "/AUTHPLAIN"}, ExitUsage, nil},
		{"bad port", []string{"mx.test", "a", "b", "/PORT:0"}, ExitUsage, nil},
		{"port not a number", []string{"mx.test", "a", "b", "/PORT:smtp"}, ExitUsage, nil},
		{"pop without password", []string{"mx.test", "u", "/POP"}, ExitUsage, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := Parse(c.args)
			if c.code >= 0 {
				var ue *UsageError
				if !errors.As(err, &ue) || ue.Code != c.code {
					t.Fatalf("Parse(%q) = %v, want usage error with exit %d", c.args, err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.args, err)
			}
			if !c.want(o) {
				t.Fatalf("Parse(%q) = %+v", c.args, *o)
			}
		})
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"PASS s3cret":               "PASS ********",
		"APOP bob 0123456789abcdef": "APOP bob ********",
		"AUTH PLAIN AGFAYgBj":       "AUTH PLAIN ********",
		"AUTH LOGIN":                "AUTH LOGIN",
		"USER bob":                  "USER bob",
		"MAIL FROM:<a@b>":           "MAIL FROM:<a@b>",
	} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildMessageSize(t *testing.T) {
	t.Parallel()
	env := &Env{Hostname: "h.test"}
	for _, size := range []int{0, 200, 201, 1000, 4096, 100000} {
		o := &Options{From: "a@x.test", To: "b@y.test", Size: size, Count: 1}
		msg := string(buildMessage(o, env, 1))
		i := indexBody(msg)
		body := msg[i:]
		if size > len(body)+1 || (size > 300 && len(body) != size && len(body) != size-1) {
			t.Errorf("/SIZE:%d gave a body of %d bytes", size, len(body))
		}
		if body[len(body)-2:] != "\r\n" {
			t.Errorf("/SIZE:%d: body does not end with CRLF", size)
		}
	}
}

func indexBody(msg string) int {
	for i := 0; i+4 <= len(msg); i++ {
		if msg[i:i+4] == "\r\n\r\n" {
			return i + 4
		}
	}
	return -1
}
