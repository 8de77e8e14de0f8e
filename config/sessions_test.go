package config

import (
	"testing"
	"time"
)

func init() { sampleKeyValues["FirstCommandTimeout"] = "10" }

// TestFirstCommandTimeout checks the key's values: seconds, units, 0 (off)
// and the default.
func TestFirstCommandTimeout(t *testing.T) {
	t.Parallel()
	if d := Default().Server.FirstCommandTimeout; d != 30*time.Second {
		t.Errorf("default %v, want 30s", d)
	}
	for v, want := range map[string]time.Duration{"10": 10 * time.Second, "2m": 2 * time.Minute, "0": 0} {
		c, err := loadData([]byte("[Config]\nFirstCommandTimeout="+v+"\n"), "/base", &Invocation{})
		if err != nil || c.Server.FirstCommandTimeout != want {
			t.Errorf("FirstCommandTimeout=%s: %v, %v; want %v", v, c.Server.FirstCommandTimeout, err, want)
		}
	}
	if _, err := loadData([]byte("[Config]\nFirstCommandTimeout=-1\n"), "/base", &Invocation{}); err == nil {
		t.Error("FirstCommandTimeout=-1 accepted")
	}
}
