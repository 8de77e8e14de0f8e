package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// RequireClients reports whether a missing client program must fail the test
// instead of skipping it (MAILQ_REQUIRE_CLIENTS=1, set by .ci/run).
func RequireClients() bool { return os.Getenv("MAILQ_REQUIRE_CLIENTS") == "1" }

// Program returns the path of a client program such as "swaks" or
// "smtp-source", looking in PATH and in /usr/sbin (where Debian puts
// Postfix's tools). When it is missing the test is skipped, or fails under
// MAILQ_REQUIRE_CLIENTS=1.
func Program(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	if RequireClients() {
		t.Fatalf("%s is not installed (MAILQ_REQUIRE_CLIENTS=1; .ci/run installs it)", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// Python returns the path of python3 with the given standard modules
// importable (e.g. "smtplib", "poplib"), or skips/fails like Program.
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	py := Program(t, "python3")
	for _, m := range modules {
		if err := exec.Command(py, "-c", "import "+m).Run(); err != nil {
			if RequireClients() {
				t.Fatalf("python3 cannot import %s: %v", m, err)
			}
			t.Skipf("python3 cannot import %s", m)
		}
	}
	return py
}
