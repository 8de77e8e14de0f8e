package web

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/queue"
)

// fillMailbox writes n messages straight into addr's mailbox folder (a
// fixture: fast, without a sync per file) and returns the folder.
func fillMailbox(t testing.TB, e *env, addr string, n int) string {
	t.Helper()
	mb, err := e.tree.Mailbox(addr)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(mb.LockPath())
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := base.Add(time.Duration(i) * time.Second)
		id := fmt.Sprintf("%s%08d", at.Format("20060102150405"), i)
		msg := fmt.Sprintf("From: sender%d@example.org\r\nTo: %s\r\nSubject: message number %d\r\nDate: %s\r\n\r\nbody %d\r\n",
			i%97, addr, i, at.Format(time.RFC1123Z), i)
		p := filepath.Join(dir, id+".eml")
		if err := os.WriteFile(p, []byte(msg), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	// The folder's time as the last arrival left it, long ago.
	last := base.Add(time.Duration(n) * time.Second)
	if err := os.Chtimes(dir, last, last); err != nil {
		t.Fatal(err)
	}
	return dir
}

func indexFile(e *env, addr string) string {
	mb, _ := e.tree.Mailbox(addr)
	return filepath.Join(filepath.Dir(filepath.Dir(mb.LockPath())), ".index", addr+".idx")
}

// TestIndexFile: the index is written, used by a new server, brought up
// to date with the folder, and rebuilt when damaged.
func TestIndexFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := fillMailbox(t, e, alice, 30)
	ref := queue.MailboxRef{Addr: alice}
	list, _, err := e.srv.index.list(ref)
	if err != nil || len(list) != 30 || list[0].Subject != "message number 29" {
		t.Fatalf("first listing: %d messages, %v", len(list), err)
	}
	data, err := os.ReadFile(indexFile(e, alice))
	if err != nil || !strings.HasPrefix(string(data), indexHeader+"\n") {
		t.Fatalf("index file: %v\n%.200s", err, data)
	}

	// Change the folder behind the index's back, and mark the index so we
	// can tell whether a new server read it.
	marked := strings.Replace(string(data), "message number 5\"", "from the index\"", 1)
	if err := os.WriteFile(indexFile(e, alice), []byte(marked), 0o600); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var gone string
	for _, de := range entries {
		if strings.HasSuffix(de.Name(), ".eml") {
			gone = strings.TrimSuffix(de.Name(), ".eml")
			break
		}
	}
	if err := os.Remove(filepath.Join(dir, gone+".eml")); err != nil {
		t.Fatal(err)
	}
	fresh := newIndexes(e.tree)
	list, _, err = fresh.list(ref)
	if err != nil || len(list) != 29 {
		t.Fatalf("after a removal: %d messages, %v", len(list), err)
	}
	found := false
	for _, s := range list {
		found = found || s.Subject == "from the index"
		if string(s.ID) == gone {
			t.Errorf("the removed message is still listed")
		}
	}
	if !found {
		t.Errorf("a new server did not use the index file")
	}

	if err := os.WriteFile(indexFile(e, alice), []byte("garbage\n{"), 0o600); err != nil {
		t.Fatal(err)
	}
	list, _, err = newIndexes(e.tree).list(ref)
	if err != nil || len(list) != 29 {
		t.Fatalf("after damage: %d messages, %v", len(list), err)
	}
	for _, s := range list {
		if s.Subject == "from the index" {
			t.Errorf("a damaged index was used")
		}
	}
}

// BenchmarkList10k lists the first page of a mailbox of 10,000 messages
// through HTTP, the way the page and the API do. "warm" is a running
// server and an unchanged folder; "changed" a running server after the
// folder changed (its names are read again); "index" a new server that
// finds the index file; "rebuild" a new server without one (every header
// read once).
func BenchmarkList10k(b *testing.B) {
	e := newEnv(b)
	dir := fillMailbox(b, e, alice, 10000)
	url := e.url + "/api/mailboxes/" + alice + "/messages?limit=50"
	get := func(b *testing.B) {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	get(b) // builds the index and its file
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			get(b)
		}
	})
	b.Run("changed", func(b *testing.B) {
		at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		for b.Loop() {
			at = at.Add(time.Second)
			if err := os.Chtimes(dir, at, at); err != nil {
				b.Fatal(err)
			}
			get(b)
		}
	})
	b.Run("search", func(b *testing.B) {
		for b.Loop() {
			resp, err := http.Get(url + "&q=number+9999")
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			e.srv.index = newIndexes(e.tree)
			get(b)
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			_ = os.Remove(indexFile(e, alice))
			e.srv.index = newIndexes(e.tree)
			b.StartTimer()
			get(b)
		}
	})
}

// BenchmarkMessageSize opens a message with one attachment of 1 MB and of
// 32 MB through the API (parsed parts and headers) and downloads the
// attachment: bytes allocated per operation stay about the same, because
// messages are streamed, never held whole.
func BenchmarkMessageSize(b *testing.B) {
	for _, mb := range []int{1, 32} {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			e := newEnv(b)
			m, err := e.tree.Mailbox(alice)
			if err != nil {
				b.Fatal(err)
			}
			id := queue.NewID(time.Now())
			p := filepath.Join(filepath.Dir(m.LockPath()), string(id)+".eml")
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(f, "From: a@example.org\r\nTo: %s\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee the attachment\r\n--b\r\nContent-Type: application/octet-stream; name=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n", alice)
			line := strings.Repeat("QUFBQUFBQUFB", 6) + "\r\n" // 54 bytes a line
			for range mb << 20 / 54 {
				_, _ = f.WriteString(line)
			}
			fmt.Fprintf(f, "--b--\r\n")
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			base := e.url + "/api/mailboxes/" + alice + "/messages/" + string(id)
			b.ReportAllocs()
			for b.Loop() {
				for _, u := range []string{base, base + "/parts/1"} {
					resp, err := http.Get(u)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
}
