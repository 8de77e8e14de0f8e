package config

import "testing"

func TestNames(t *testing.T) {
	t.Parallel()
	type parser func(string) (string, error)
	for _, tc := range []struct {
		name  string
		parse parser
		in    string
		want  string // "" means refused
	}{
		{"domain", parseDomain, "Example.COM", "example.com"},
		{"domain trailing dot", parseDomain, "example.com.", "example.com"},
		{"domain single label", parseDomain, "localhost", "localhost"},
		{"domain hyphen edge", parseDomain, "-bad.com", ""},
		{"domain underscore", parseDomain, "a_b.com", ""},
		{"domain space", parseDomain, "a b.com", ""},
		{"domain empty label", parseDomain, "a..b", ""},
		{"domain unicode", parseDomain, "bücher.de", ""},
		{"local domain ip", parseLocalDomain, "127.0.0.1", "[127.0.0.1]"},
		{"local domain literal", parseLocalDomain, "[127.0.0.1]", "[127.0.0.1]"},
		{"local domain ipv6", parseLocalDomain, "::1", "[IPv6:::1]"},
		{"local domain ipv6 literal", parseLocalDomain, "[IPv6:::1]", "[IPv6:::1]"},
		{"host name netbios", parseHostName, "BART", "BART"},
		{"host name fqdn", parseHostName, "Mail.Example.com", "Mail.Example.com"},
		{"host name underscore", parseHostName, "my_host", "my_host"},
		{"host name literal", parseHostName, "[192.0.2.1]", "[192.0.2.1]"},
		{"host name space", parseHostName, "my host", ""},
		{"host port default", func(v string) (string, error) { return parseHostPort(v, 25) }, "smtp.example.com", "smtp.example.com:25"},
		{"host port given", func(v string) (string, error) { return parseHostPort(v, 25) }, "bart:26", "bart:26"},
		{"host port ipv6", func(v string) (string, error) { return parseHostPort(v, 25) }, "[::1]:2525", "[::1]:2525"},
		{"host port bare ipv6", func(v string) (string, error) { return parseHostPort(v, 25) }, "2001:db8::1", "[2001:db8::1]:25"},
		{"host port zero", func(v string) (string, error) { return parseHostPort(v, 25) }, "bart:0", ""},
		{"host port big", func(v string) (string, error) { return parseHostPort(v, 25) }, "bart:70000", ""},
		{"host port empty host", func(v string) (string, error) { return parseHostPort(v, 25) }, ":25", ""},
		{"address", parseAddress, "Admin@LocalHost.com", "admin@localhost.com"},
		{"address ip literal", parseAddress, "admin@[127.0.0.1]", "admin@[127.0.0.1]"},
		{"address no at", parseAddress, "admin", ""},
		{"address slash", parseAddress, "a/b@example.com", ""},
		{"address space", parseAddress, "a b@example.com", ""},
		{"address two ats", parseAddress, "a@b@example.com", ""},
		{"address bad domain", parseAddress, "a@-x", ""},
		{"address dot dot", parseAddress, "a..b@example.com", ""},
		{"alias bare", parseAliasName, "PostMaster", "postmaster"},
		{"alias full", parseAliasName, "fred@localhost.com", "fred@localhost.com"},
		{"alias bare comma", parseAliasName, "a,b", ""},
		{"alias equals", parseAliasName, "Bo=b@x.test", "bo=b@x.test"}, // an alias need not be an INI key
		{"address equals", parseAddress, "bo=b@x.test", ""},            // an account must be
		{"address bare ip", parseAddress, "a@127.0.0.1", "a@[127.0.0.1]"},
		{"address trailing dot", parseAddress, "a@Example.com.", "a@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.parse(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("%q accepted as %q", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("%q = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
