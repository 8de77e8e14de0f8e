package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mailq/internal/testutil"
	"mailq/queue"
)

// Tests in a real browser: headless Chromium driven through the DevTools
// protocol. They skip without chromium, and fail then under
// MAILQ_REQUIRE_CLIENTS=1 (.ci/run installs it).

// browserTimeout bounds each browser test; every wait inside is for an
// element or an event, never a fixed time.
const browserTimeout = 90 * time.Second

// newBrowser starts a headless Chromium with a fresh profile and returns a
// tab's context. Dialogs (the delete confirmations) are accepted.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := testutil.Program(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	tctx, tcancel := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(tcancel)
	return tctx
}

// probe is an HTTP server outside mailq that records the paths it is
// asked for: the message's script and remote image point at it.
type probe struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
	hit  chan string
}

func newProbe(t *testing.T) *probe {
	p := &probe{hit: make(chan string, 16)}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hits = append(p.hits, r.URL.Path)
		p.mu.Unlock()
		select {
		case p.hit <- r.URL.Path:
		default:
		}
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *probe) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hits...)
}

// hostileMessage has HTML that tries to run script three ways (a script
// element, an event handler, a javascript: URL) and to reach the probe,
// a remote image on the probe, and an attachment.
func hostileMessage(probeURL, subject string) string {
	return "From: Shop <shop@example.org>\nTo: " + alice + "\nSubject: " + subject + "\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n" +
		"--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\n" +
		"--inner\nContent-Type: text/plain; charset=utf-8\n\nYour order has shipped.\n" +
		"--inner\nContent-Type: text/html; charset=utf-8\n\n" +
		"<html><body><h1>Your order</h1>" +
		"<script>document.title='PWNED'; try{parent.document.title='PWNED'}catch(e){}; fetch('" + probeURL + "/script'); new Image().src='" + probeURL + "/script-img';</script>" +
		"<img src=\"" + probeURL + "/remote.gif\" alt=\"remote\" width=\"20\" height=\"20\">" +
		"<img src=\"nowhere\" onerror=\"fetch('" + probeURL + "/onerror')\">" +
		"<a id=\"js\" href=\"javascript:fetch('" + probeURL + "/js-url')\">click</a></body></html>\n" +
		"--inner--\n" +
		"--outer\nContent-Type: application/pdf; name=\"invoice.pdf\"\nContent-Disposition: attachment; filename=\"invoice.pdf\"\n" +
		"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago=\n" +
		"--outer--\n"
}

// shotDir is where screenshots go: $MAILQ_SCREENSHOTS, or a temporary
// folder.
func shotDir(t *testing.T) string {
	if d := os.Getenv("MAILQ_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestBrowserMailbox: a message arrives while the list is open and shows
// up by itself; opening it renders the HTML in the sandboxed frame without
// running any of its script; remote images load only when asked; the
// attachment downloads; deleting removes it.
func TestBrowserMailbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pr := newProbe(t)
	ctx := newBrowser(t)
	e.deliver(t, alice, false, plainMessage("old@example.org", alice, "An older message", "old"))

	must(t, "open the list", chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/box/"+alice),
		chromedp.WaitVisible(chromedp.CSS("table.messages")),
	))
	// Wait for the live connection, then deliver: the row must appear
	// without a reload.
	must(t, "live", chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.getElementById("live-state").textContent === "live"`)))
	id := e.deliver(t, alice, false, hostileMessage(pr.URL, "Your order has shipped"))
	row := chromedp.CSS(`tr[data-id="` + string(id) + `"]`)
	must(t, "the new message appears live", chromedp.Do(ctx, chromedp.WaitVisible(row)))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("navigation").length`)); err != nil || n != 1 {
		t.Errorf("the page was reloaded (%d navigations, %v); want a live update", n, err)
	}

	must(t, "open the message", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`tr[data-id="`+string(id)+`"] .subject a`)),
		chromedp.WaitVisible(chromedp.CSS("#html-frame")),
		chromedp.WaitVisible(chromedp.CSS("#text-body")),
	))
	sandbox, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("html-frame").getAttribute("sandbox")`))
	if err != nil || sandbox != "" {
		t.Errorf("iframe sandbox attribute = %q (%v); want present and empty (no allow-scripts, no allow-same-origin)", sandbox, err)
	}
	// Positive control first: asked for, the remote image loads from the
	// probe, so the frame did render the HTML and the probe is reachable.
	must(t, "show remote images", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#show-images")),
		chromedp.WaitVisible(chromedp.CSS("#html-frame")),
	))
	select {
	case path := <-pr.hit:
		if path != "/remote.gif" {
			t.Errorf("first request to the probe: %s; want /remote.gif", path)
		}
	case <-ctx.Done():
		t.Fatalf("the remote image never loaded after asking for it")
	}
	// The frame has loaded twice (without and with images); any script
	// would have run by the time the image loaded.
	must(t, "reload the page", chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#html-frame"))))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || strings.Contains(title, "PWNED") {
		t.Errorf("page title %q (%v): the message's script reached the page", title, err)
	}
	for _, path := range pr.seen() {
		if path != "/remote.gif" {
			t.Errorf("the message's script ran: the probe saw %s", path)
		}
	}

	if got := downloadAttachment(ctx, t); !strings.HasPrefix(string(got), "%PDF-1.4") {
		t.Errorf("downloaded attachment: %q", got)
	}

	must(t, "delete", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#delete")),
		chromedp.WaitVisible(chromedp.CSS("table.messages")),
		chromedp.WaitNotPresent(row),
	))
	if _, _, err := mustMailbox(t, e, alice).Stat(id); err == nil {
		t.Errorf("the message is still in the mailbox after Delete")
	}
	must(t, "delete all", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#delete-all")),
		chromedp.WaitVisible(chromedp.CSS("p.empty")),
	))
	if ids, err := mustMailbox(t, e, alice).IDs(); err != nil || len(ids) != 0 {
		t.Errorf("after Delete all: %v, %v", ids, err)
	}
}

// downloadAttachment clicks the message page's first attachment link and
// returns the file the browser saved.
func downloadAttachment(ctx context.Context, t *testing.T) []byte {
	t.Helper()
	downloads := t.TempDir()
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: ptr(true)})
	must(t, "allow downloads", err)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	must(t, "click the attachment", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.attachment"))))
	var guid string
	for ev, err := range progress {
		must(t, "download", err)
		if ev.State == browser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("download canceled")
		}
	}
	got, err := os.ReadFile(filepath.Join(downloads, guid))
	must(t, "read the download", err)
	return got
}

func ptr[T any](v T) *T { return &v }

// TestBrowserLoginIsolation: a user logged in from the browser sees their
// own mail, and another user's message by URL is "not found".
func TestBrowserLoginIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.LoginLocal = true })
	own := e.deliver(t, alice, false, plainMessage("x@example.org", alice, "For alice", "hello alice"))
	other := e.deliver(t, bob, false, plainMessage("x@example.org", bob, "For bob only", "secret of bob"))
	ctx := newBrowser(t)
	must(t, "log in", chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="user"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), alice),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), alicePW),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-id="`+string(own)+`"]`)),
	))
	must(t, "open bob's message by URL", chromedp.Do(ctx,
		chromedp.Navigate(e.url+"/box/"+bob+"/"+string(other)),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(text, "404") || strings.Contains(text, "secret of bob") {
		t.Errorf("bob's message as alice: %q, %v; want 404 and none of its text", text, err)
	}
	for _, u := range []string{"/box/" + bob + "/" + string(other) + "/raw", "/box/" + bob + "/" + string(other) + "/html", "/queue"} {
		must(t, u, chromedp.Do(ctx, chromedp.Navigate(e.url+u), chromedp.WaitVisible(chromedp.CSS("body"))))
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if strings.Contains(body, "secret of bob") || !strings.Contains(body, "404") {
			t.Errorf("%s as alice: %q; want 404", u, body)
		}
	}
}

// TestBrowserScreenshots takes each page at desktop and phone widths.
// Set MAILQ_SCREENSHOTS=/some/dir to keep them.
func TestBrowserScreenshots(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pr := newProbe(t)
	for i, s := range []string{"Invoice 2026-03", "Welcome to the team", "Password reset"} {
		e.deliver(t, alice, false, plainMessage("sender"+string(rune('a'+i))+"@example.org", alice+", carol@localhost", s, "Hello,\n\nthis is message "+s+".\n\nRegards"))
	}
	id := e.deliver(t, alice, false, hostileMessage(pr.URL, "Your order has shipped"))
	e.deliver(t, bob, false, plainMessage("x@example.org", bob, "hi", "b"))
	e.deliver(t, "ghost@localhost", true, plainMessage("x@example.org", "ghost@localhost", "lost", "?"))
	writeSet(t, e, queue.Retry, true, queue.StatusPending, time.Now().Add(time.Hour))
	writeSet(t, e, queue.Retry, true, queue.StatusPending, time.Now().Add(2*time.Hour))
	dir := shotDir(t)
	ctx := newBrowser(t)
	pages := []struct{ name, path, ready string }{
		{"mailboxes", "/", "table.boxes"},
		{"list", "/box/" + alice, "table.messages"},
		{"message", "/box/" + alice + "/" + string(id), "#html-frame"},
		{"queue", "/queue", "table.sets"},
		{"login", "/login", "form.login"},
	}
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		opts := []chromedp.EmulateViewportOption{}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
		}
		must(t, "viewport", chromedp.Do(ctx, chromedp.EmulateViewport(size.width, size.height, opts...)))
		for _, p := range pages {
			must(t, p.name, chromedp.Do(ctx, chromedp.Navigate(e.url+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))))
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			must(t, "screenshot "+p.name, err)
			if len(png) < 1000 {
				t.Errorf("%s at %s: a %d-byte screenshot", p.name, size.name, len(png))
			}
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil || overflow {
				t.Errorf("%s at %s: the page is wider than the screen (%v)", p.name, size.name, err)
			}
			must(t, "write", os.WriteFile(filepath.Join(dir, p.name+"-"+size.name+".png"), png, 0o644))
		}
	}
}
