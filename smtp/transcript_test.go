package smtp

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
)

// TestTranscripts runs every testdata/*.txt transcript (format in
// internal/testutil) against its own server. Lines "#! key=value" at the top
// configure the server and check the queue afterwards; see directive.
func TestTranscripts(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var mods []func(*Options)
			committed := -1
			for _, line := range strings.Split(string(data), "\n") {
				kv, ok := strings.CutPrefix(strings.TrimSpace(line), "#!")
				if !ok {
					continue
				}
				k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				if k == "committed" {
					committed = atoi(t, v)
					continue
				}
				mods = append(mods, directive(t, k, v))
			}
			ts := startServer(t, mods...)
			testutil.Transcript(t, ts.addr, string(data))
			if committed >= 0 {
				if ids := ts.committed(t); len(ids) != committed {
					t.Fatalf("%d committed messages, want %d", len(ids), committed)
				}
				if left := ts.leftovers(t); len(left) != 0 {
					t.Fatalf("files left in the queue: %v", left)
				}
			}
		})
	}
}

// directive returns the change a "#! key=value" line makes to the options.
func directive(t *testing.T, k, v string) func(*Options) {
	t.Helper()
	b := v == "true"
	switch k {
	case "relay":
		n := atoi(t, v)
		return func(o *Options) { o.SMTP.Relay = config.Relay(n) }
	case "mode":
		n := atoi(t, v)
		return func(o *Options) { o.SMTP.Mode = config.SMTPMode(n) }
	case "max-size":
		n := atoi(t, v)
		return func(o *Options) { o.SMTP.MaxMessageSize = int64(n) }
	case "max-rcpts":
		n := atoi(t, v)
		return func(o *Options) { o.SMTP.MaxRecipients = n }
	case "max-hops":
		n := atoi(t, v)
		return func(o *Options) { o.SMTP.MaxHops = n }
	case "timeout":
		n := atoi(t, v)
		return func(o *Options) { o.Server.Timeout = time.Duration(n) * time.Second }
	case "vrfy":
		return func(o *Options) { o.SMTP.VRFY = b }
	case "debug":
		return func(o *Options) { o.Server.Debug = b }
	case "test":
		return func(o *Options) { o.Server.Test = b }
	case "auth-required":
		return func(o *Options) { o.SMTP.AuthRequired = b }
	case "refile":
		return func(o *Options) { o.RefileUnknown = b }
	case "httpget":
		return func(o *Options) { o.Server.HTTPGet = b }
	case "fixheaders":
		return func(o *Options) { o.Server.FixHeaders = b }
	case "nobackspace":
		return func(o *Options) { o.Server.NoBackSpace = b }
	case "welcome":
		return func(o *Options) { o.SMTP.Welcome = v }
	}
	if f, ok := captureDirective(k, v); ok { // capture_test.go
		return f
	}
	if f, ok := tlsDirective(t, k, b); ok { // starttls_test.go
		return f
	}
	t.Fatalf("unknown directive %q", k)
	return nil
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("directive value %q: %v", s, err)
	}
	return n
}
