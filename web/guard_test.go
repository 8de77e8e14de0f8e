package web

import (
	"encoding/base64"
	"net/http"
	"os"
	"strings"
	"testing"

	"mailq/config"
	"mailq/guard"
)

// webGuard is the real guard over files in a folder of its own, with a
// lock-out after 3 failures of one account from one address.
func webGuard(t *testing.T) (Guard, config.Paths) {
	cfg := config.Default()
	cfg.Paths = config.DefaultPaths(t.TempDir())
	cfg.POP.Lockout = 3
	cfg.Abuse.CacheIPBlockFile = false
	return guard.NewWeb(guard.Options{Config: cfg}), cfg.Paths
}

// TestWebLoginLimits: web logins count like SMTP AUTH and POP3 ones. Three
// wrong passwords from 192.0.2.10 block that address for the account,
// refusing even the right one unchecked, while the owner from another
// address logs in; the failures land in the shared failed-login file.
func TestWebLoginLimits(t *testing.T) {
	t.Parallel()
	g, paths := webGuard(t)
	e := newEnv(t, func(o *Options) { o.Guard = g })
	for i := range 3 {
		if status, body, _ := do(t, nil, "GET", e.remote+"/api/me", nil, "Authorization", basicAuth(bob, "wrong")); status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i+1, status, body)
		}
	}
	if status, body, _ := do(t, nil, "GET", e.remote+"/api/me", nil, "Authorization", basicAuth(bob, bobPW)); status != http.StatusUnauthorized {
		t.Fatalf("the right password from the guessing address: %d %s, want 401 (blocked)", status, body)
	}
	c := client(t)
	status, body, _ := do(t, c, "POST", e.remote+"/login", strings.NewReader("user="+bob+"&password="+bobPW),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", e.remote)
	if status != http.StatusUnauthorized || !strings.Contains(body, "failed logins of this account from [192.0.2.10]") {
		t.Fatalf("form login from the guessing address: %d, want 401 naming the block:\n%s", status, body)
	}
	var me struct{ User string }
	getJSON(t, nil, e.url+"/api/me", http.StatusOK, &me, "Authorization", basicAuth(bob, bobPW))
	if me.User != bob {
		t.Fatalf("the owner from another address: %+v", me)
	}
	data, err := os.ReadFile(paths.FailedLogins)
	if err != nil || !strings.Contains(string(data), "bob%40localhost") && !strings.Contains(string(data), bob) {
		t.Fatalf("failed-login file: %v\n%s", err, data)
	}
}

// TestWebBlockList: a client on the block list is refused every request.
func TestWebBlockList(t *testing.T) {
	t.Parallel()
	g, paths := webGuard(t)
	e := newEnv(t, func(o *Options) { o.Guard = g })
	getJSON(t, nil, e.remote+"/api/me", http.StatusOK, nil, "Authorization", basicAuth(alice, alicePW))
	if err := os.WriteFile(paths.IPBlock, []byte("192.0.2.0/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/me", "/login", "/assets/style.css"} {
		if status, body, _ := do(t, nil, "GET", e.remote+path, nil, "Authorization", basicAuth(alice, alicePW)); status != http.StatusForbidden || !strings.Contains(body, "block list") {
			t.Errorf("GET %s from a blocked address: %d %s", path, status, body)
		}
	}
	getJSON(t, nil, e.url+"/api/me", http.StatusOK, nil) // loopback is not on the list
}

// TestWebBehindProxy: a request a proxy passed on is no loopback
// administrator, whatever its Host says; the same request without the
// proxy's headers is.
func TestWebBehindProxy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	getJSON(t, nil, e.url+"/api/me", http.StatusOK, nil)
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP", "Via"} {
		if status, body, _ := do(t, nil, "GET", e.url+"/api/mailboxes", nil, h, "for=192.0.2.99"); status != http.StatusUnauthorized {
			t.Errorf("%s from a proxy on loopback: %d %s, want 401", h, status, body)
		}
	}
}

// basicAuth is the Authorization header value for user and pw.
func basicAuth(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}
