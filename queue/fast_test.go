package queue

import (
	"strings"
	"testing"
)

// TestFastModeSyncsNothing checks that with SetDurable(false) a commit, a
// delivery and a deletion make no file or folder sync at all, while the
// same steps of a durable tree do (the positive control).
func TestFastModeSyncsNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		durable bool
	}{{"durable", true}, {"fast", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := newTree(t)
			tr.SetDurable(tc.durable)
			var syncs []string
			tr.syncHook = func(kind, path string, do func() error) error {
				syncs = append(syncs, kind)
				return do()
			}
			id := commitMsg(t, tr, Incoming, "Subject: x\r\n\r\nhi\r\n")
			if _, err := tr.Deliver("b@example.com", false, id, []byte("X: y\r\n"), strings.NewReader("body\r\n")); err != nil {
				t.Fatal(err)
			}
			mb, err := tr.Mailbox("b@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if err := mb.Delete(id); err != nil {
				t.Fatal(err)
			}
			if tc.durable && len(syncs) == 0 {
				t.Fatal("a durable tree made no sync")
			}
			if !tc.durable && len(syncs) != 0 {
				t.Fatalf("a fast tree made syncs: %v", syncs)
			}
		})
	}
}
