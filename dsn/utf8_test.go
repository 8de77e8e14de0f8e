package dsn

import "testing"

// TestAddrField: ASCII addresses keep the rfc822 type; UTF-8 ones take RFC
// 6533's utf-8 type with every non-QCHAR as \x{HEXPOINT}, ASCII only.
func TestAddrField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"bob@example.org", "rfc822; bob@example.org"},
		{"j\u00f6rg@xn--bcher-kva.example", `utf-8; j\x{F6}rg@xn--bcher-kva.example`},
		{"a+b=\u4e2d@x.example", `utf-8; a\x{2B}b\x{3D}\x{4E2D}@x.example`},
		{"\U0001F600\\ \xff@x", `utf-8; \x{1F600}\x{5C}\x{20}?@x`},
	} {
		if got := addrField(tc.in, 900); got != tc.want {
			t.Errorf("addrField(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
