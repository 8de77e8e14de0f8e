package smtp

import (
	"slices"
	"strings"
	"testing"
)

// TestEHLOSize: RFC 1870 §4, EHLO names the size limit as "SIZE <octets>",
// and with no limit (SMTPMaxMessageSize=0) a bare "SIZE": no fixed maximum,
// not a maximum of 0.
func TestEHLOSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		max  int64
		want string
	}{{0, "250-SIZE"}, {1000, "250-SIZE 1000"}} {
		ts := startServer(t, func(o *Options) { o.SMTP.MaxMessageSize = c.max })
		cl, _ := dial(t, ts.addr)
		lines := strings.Split(cl.expect("EHLO client.example", "250-"), "\n")
		if !slices.Contains(lines, c.want) {
			t.Errorf("max %d: EHLO reply without %q:\n%s", c.max, c.want, strings.Join(lines, "\n"))
		}
	}
}
