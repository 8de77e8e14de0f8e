package smtp

import (
	"strings"
	"testing"
)

// TestStartTLSCleanNoWarning: a client that sends nothing behind STARTTLS
// gets no warning about discarded bytes; the warning (TestStartTLSInjection)
// is for bytes that were really there. "TLS started" is logged after the
// point of the warning, so once it is in the log, the warning would be too.
func TestStartTLSCleanNoWarning(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withTLS)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	c.starttls()
	c.expect("EHLO client.example", "250")
	c.expect("QUIT", "221 ")
	ts.waitLog(t, "TLS started")
	if log := ts.logs.String(); strings.Contains(log, "discarded") {
		t.Fatalf("a warning about discarded bytes after a clean STARTTLS:\n%s", log)
	}
}
