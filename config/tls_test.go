package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func init() {
	// Sample values for the TLS rows, for the every-key and every-switch
	// tests.
	for k, v := range map[string]string{
		"TLSEnabled": "False", "TLSHandshakeSeconds": "10", "RequireTLSForAuth": "True", "SMTPRequireTLS": "True",
		"SubmissionPort": "587", "SMTPSPort": "465", "POP3SPort": "995", "GatewayTLS": "verify",
	} {
		sampleKeyValues[k] = v
	}
	for k, v := range map[string]string{"SUBMISSION": "587", "SMTPS": "0", "POPS": "off"} {
		sampleValues[k] = v
	}
}

func TestTLSKeys(t *testing.T) {
	t.Parallel()
	base := filepath.FromSlash("/base")
	for _, tc := range []struct {
		name, ini string
		check     func(c *Config) bool
		err       string
	}{
		{"defaults", "", func(c *Config) bool {
			return c.TLS.Enabled && c.TLS.SubmissionPort == PortOff && c.TLS.SMTPSPort == PortOff &&
				c.TLS.POP3SPort == PortOff && !c.TLS.RequireForAuth && !c.TLS.SMTPRequire &&
				c.TLS.Dir == filepath.Join(base, "tls") && c.TLS.CertFile == ""
		}, ""},
		{"relative pair", "[Config]\nTLSCert=certs/mail.pem\nTLSKey=certs/mail.key\n", func(c *Config) bool {
			return c.TLS.CertFile == filepath.Join(base, "certs", "mail.pem") && c.TLS.KeyFile == filepath.Join(base, "certs", "mail.key")
		}, ""},
		{"cert without key", "[Config]\nTLSCert=mail.pem\n", nil, "TLSCert and TLSKey go together"},
		{"ports", "[Config]\nSubmissionPort=587\nSMTPSPort=0\nPOP3SPort=off\n", func(c *Config) bool {
			return c.TLS.SubmissionPort == 587 && c.TLS.SMTPSPort == 0 && c.TLS.POP3SPort == PortOff
		}, ""},
		{"bad port", "[Config]\nSMTPSPort=70000\n", nil, "a port number, or off"},
		{"policies", "[MXA]\nGatewayTLS=Require\n[LocalMX]\nItem1=a.example,mx.a.example,verify\nItem2=b.example,mx.b.example,2525,none\nItem3=*,*,opportunistic\nItem4=c.example,mx.c.example:2526\n", func(c *Config) bool {
			return c.TLS.GatewayTLS == TLSRequire && c.TLS.RoutePolicy("a.example") == TLSVerify &&
				c.TLS.RoutePolicy("b.example") == TLSNone && c.LocalMX[1].Port == 2525 &&
				c.TLS.RoutePolicy("*") == TLSOpportunistic && c.TLS.RoutePolicy("c.example") == TLSDefault &&
				c.LocalMX[3].Port == 2526
		}, ""},
		{"require without TLS", "[Config]\nTLSEnabled=False\nSMTPRequireTLS=True\n", nil, "need TLS, which is off"},
		{"bad policy", "[LocalMX]\nItem1=a.example,mx.a.example,sometimes\n", nil, "none, opportunistic, require or verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := loadData([]byte(tc.ini), base, &Invocation{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("unexpected TLS settings: %+v", c.TLS)
			}
		})
	}
}

func TestTLSPolicyEffective(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p               TLSPolicy
		require, verify bool
		want            TLSPolicy
	}{
		{TLSDefault, false, false, TLSOpportunistic},
		{TLSDefault, true, false, TLSRequire},
		{TLSDefault, false, true, TLSVerify},
		{TLSNone, true, true, TLSNone},
		{TLSVerify, false, false, TLSVerify},
	} {
		if got := tc.p.Effective(MXA{RequireTLS: tc.require, VerifyTLS: tc.verify}); got != tc.want {
			t.Errorf("%v with RequireTLS=%v VerifyTLS=%v = %v, want %v", tc.p, tc.require, tc.verify, got, tc.want)
		}
	}
}
