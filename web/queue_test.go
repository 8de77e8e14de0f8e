package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"mailq/queue"
)

// writeSet writes a set into folder f with one recipient in state st, due
// at next, and returns its id.
func writeSet(t *testing.T, e *env, f queue.Folder, derived bool, st queue.Status, next time.Time) queue.ID {
	t.Helper()
	id := queue.NewID(time.Now())
	n := 1
	if derived {
		id, n = id.Derive(2), 2
	}
	env := &queue.Envelope{ID: id, From: "app@localhost", Recipients: []queue.Recipient{
		{N: n, Addr: "bob@example.org", Status: st, Attempts: 2, Next: next, Result: "451 4.3.0 mailbox busy"},
	}}
	if err := e.tree.WriteSet(f, env, strings.NewReader("Subject: s\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAPIQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	later := time.Now().Add(time.Hour).UTC().Round(time.Second)
	waiting := writeSet(t, e, queue.Retry, true, queue.StatusPending, later)
	due := writeSet(t, e, queue.Retry, true, queue.StatusPending, time.Time{})
	failed := writeSet(t, e, queue.Failed, false, queue.StatusFailed, time.Time{})
	sent := writeSet(t, e, queue.Sent, false, queue.StatusDelivered, time.Time{})

	var counts struct{ Folders []FolderCount }
	getJSON(t, nil, e.url+"/api/queue", 200, &counts)
	want := map[string]int{"queue": 0, "external": 0, "retry": 2, "sent": 1, "failed": 1, "bad": 0}
	if len(counts.Folders) != 6 {
		t.Fatalf("folders = %+v", counts.Folders)
	}
	for _, c := range counts.Folders {
		if want[c.Folder] != c.Sets {
			t.Errorf("%s: %d sets; want %d", c.Folder, c.Sets, want[c.Folder])
		}
	}

	var list struct {
		Total int
		Sets  []SetInfo
	}
	getJSON(t, nil, e.url+"/api/queue/retry", 200, &list)
	if list.Total != 2 {
		t.Fatalf("retry listing = %+v", list)
	}
	var w *SetInfo
	for i := range list.Sets {
		if list.Sets[i].ID == waiting {
			w = &list.Sets[i]
		}
	}
	if w == nil || len(w.Recipients) != 1 {
		t.Fatalf("waiting set not listed: %+v", list.Sets)
	}
	if r := w.Recipients[0]; r.Address != "bob@example.org" || r.Attempts != 2 || r.Next == nil || !r.Next.Equal(later) ||
		r.Result != "451 4.3.0 mailbox busy" || r.Status != "pending" {
		t.Errorf("recipient = %+v", r)
	}

	for _, tc := range []struct {
		name, method, path string
		want               int
		in, out            queue.Folder
		id                 queue.ID
	}{
		{"due set", "POST", "/api/queue/retry/" + string(due) + "/retry", http.StatusConflict, queue.Retry, queue.External, due},
		{"retry now", "POST", "/api/queue/retry/" + string(waiting) + "/retry", 200, queue.External, queue.Retry, waiting},
		{"requeue", "POST", "/api/queue/failed/" + string(failed) + "/requeue", 200, queue.External, queue.Failed, failed},
		{"retry in sent", "POST", "/api/queue/sent/" + string(sent) + "/retry", 400, queue.Sent, queue.External, sent},
		{"delete sent", "DELETE", "/api/queue/sent/" + string(sent), 200, queue.Bad, queue.Sent, sent},
		{"delete missing", "DELETE", "/api/queue/failed/" + string(failed), 404, queue.External, queue.Failed, failed},
		{"unknown action", "POST", "/api/queue/retry/" + string(due) + "/explode", 400, queue.Retry, queue.External, due},
	} {
		status, body, _ := do(t, nil, tc.method, e.url+tc.path, nil)
		if status != tc.want {
			t.Errorf("%s: %d %s; want %d", tc.name, status, body, tc.want)
		}
		if tc.in != queue.Bad && !e.tree.Has(tc.in, tc.id) {
			t.Errorf("%s: set not in %s/", tc.name, tc.in)
		}
		if e.tree.Has(tc.out, tc.id) {
			t.Errorf("%s: set still in %s/", tc.name, tc.out)
		}
	}
	env, err := e.tree.PeekEnvelope(queue.External, failed)
	if err != nil || env.Recipients[0].Status != queue.StatusPending {
		t.Errorf("requeued set: %+v, %v; want its recipient pending", env, err)
	}
}

// TestQueuePage renders the queue page with sets in it.
func TestQueuePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := writeSet(t, e, queue.Retry, true, queue.StatusPending, time.Now().Add(time.Hour))
	status, page, _ := do(t, nil, "GET", e.url+"/queue", nil)
	if status != 200 || !strings.Contains(page, string(id)) || !strings.Contains(page, "451 4.3.0 mailbox busy") ||
		!strings.Contains(page, "/queue/retry/"+string(id)+"/retry") {
		t.Errorf("queue page: %d\n%s", status, page)
	}
}
