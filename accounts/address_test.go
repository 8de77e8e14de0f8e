package accounts

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestCanonical checks what accounts adds to address.ParseAccount, whose
// own table (address/account_test.go) covers the address rules: the
// canonical form is the parser's, and a refusal is ErrAddress, quoting the
// address and giving the parser's reason.
func TestCanonical(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Admin@LocalHost.COM": "admin@localhost.com",
		"user@x.org.":         "user@x.org",
		"Jörg@Bücher.example": "jörg@xn--bcher-kva.example",
	} {
		if got, err := canonical(in); err != nil || got != want {
			t.Errorf("canonical(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "admin", "a=b@x.org", "a/b@x.org", "a\u202eb@x.org"} {
		got, err := canonical(in)
		if !errors.Is(err, ErrAddress) {
			t.Errorf("canonical(%q) = %q, %v; want ErrAddress", in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) || !strings.Contains(err.Error(), ": ") {
			t.Errorf("error %q does not quote the address and give a reason", err)
		}
	}
}
