package policy

import (
	"net/netip"
	"testing"
)

func TestParseLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want string // "" with ok false
		bad  bool
	}{
		{line: "192.0.2.1", want: "192.0.2.1/32"},
		{line: "  192.0.2.1  ", want: "192.0.2.1/32"},
		{line: "192.0.2.1# no space", want: "192.0.2.1/32"},
		{line: "192.0.2.1  # banned 2025-01-02T03:04:05Z by SMTP: x", want: "192.0.2.1/32"},
		{line: "\uFEFF10.0.0.0/8", want: "10.0.0.0/8"},
		{line: "10.1.2.3/8", want: "10.0.0.0/8"},
		{line: "2001:db8::/32", want: "2001:db8::/32"},
		{line: "2001:DB8::1", want: "2001:db8::1/128"},
		{line: "fe80::1%eth0", want: "fe80::1/128"},
		{line: "::ffff:192.0.2.9", want: "192.0.2.9/32"},
		{line: "::ffff:10.0.0.0/104", want: "10.0.0.0/8"},
		{line: "0.0.0.0/0", want: "0.0.0.0/0"},
		{line: ""},
		{line: "   \t"},
		{line: "# a comment"},
		{line: "   # indented comment"},
		{line: "192.0.2.1 spammer", bad: true},
		{line: "192.0.2.*", bad: true},
		{line: "192.0.2.1/33", bad: true},
		{line: "192.0.2.1/", bad: true},
		{line: "example.com", bad: true},
		{line: "192.0.2.1-192.0.2.9", bad: true},
		{line: "01.2.3.4", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			t.Parallel()
			p, ok, err := parseLine(tc.line)
			switch {
			case tc.bad:
				if err == nil {
					t.Fatalf("parseLine = %v, %v; want an error", p, ok)
				}
			case tc.want == "":
				if ok || err != nil {
					t.Fatalf("parseLine = %v, %v, %v; want nothing", p, ok, err)
				}
			default:
				if !ok || err != nil || p.String() != tc.want {
					t.Fatalf("parseLine = %v, %v, %v; want %s", p, ok, err, tc.want)
				}
			}
		})
	}
}

func TestPrefixSet(t *testing.T) {
	t.Parallel()
	var s prefixSet
	for i, p := range []string{"10.0.0.0/8", "10.1.0.0/16", "192.0.2.7/32", "2001:db8::/32", "10.1.0.0/16"} {
		s.add(netip.MustParsePrefix(p), i)
	}
	tests := []struct {
		ip   string
		idx  int
		want bool
	}{
		{"10.9.9.9", 0, true},
		{"10.1.2.3", 1, true}, // the most specific entry
		{"::ffff:10.1.2.3", 1, true},
		{"192.0.2.7", 2, true},
		{"192.0.2.8", 0, false},
		{"2001:db8:1::1", 3, true},
		{"2001:db9::1", 0, false},
		{"::ffff:192.0.2.8", 0, false},
	}
	for _, tc := range tests {
		idx, ok := s.lookup(netip.MustParseAddr(tc.ip))
		if ok != tc.want || ok && idx != tc.idx {
			t.Errorf("lookup(%s) = %d, %v; want %d, %v", tc.ip, idx, ok, tc.idx, tc.want)
		}
	}
	if _, ok := s.lookup(netip.Addr{}); ok {
		t.Error("lookup of the zero Addr found an entry")
	}
}

// FuzzParseLine checks the ipblock.txt line parser: it never panics, a line
// it accepts gives a masked, unmapped prefix that contains its own address
// and reads back the same when written out, and a ban line for any address
// reads back as exactly that address.
func FuzzParseLine(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		p, ok, err := parseLine(line)
		if err != nil || !ok {
			if ok {
				t.Fatalf("ok with error %v", err)
			}
			return
		}
		if p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			t.Fatalf("%q gave %v: not normalised", line, p)
		}
		back, ok, err := parseLine(p.String() + "  # again")
		if err != nil || !ok || back != p {
			t.Fatalf("%q gave %v, which reads back as %v, %v, %v", line, p, back, ok, err)
		}
		ip := p.Addr()
		banned, ok, err := parseLine(ip.String() + "  # banned 2025-01-02T03:04:05Z by SMTP: " + line)
		if err != nil || !ok || banned != netip.PrefixFrom(ip, ip.BitLen()) {
			t.Fatalf("ban line for %v reads back as %v, %v, %v", ip, banned, ok, err)
		}
	})
}
