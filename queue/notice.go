package queue

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// NoticeOf names the set a failure notice is about and the folder that set
// was in when the notice was written: the "notice" field of format version
// 3 (doc.go). A notice is held in the incoming queue while that set is
// still there: see "Failure notices" in doc.go.
type NoticeOf struct {
	ID     ID     // the failed set
	Folder Folder // where it was: the folder of the agent that gave it up
	// Delay marks a delay notice (RFC 3464 Action: delayed; the field
	// "report delayed" of version 4): it is held only until its set
	// records it (a recipient's warned attribute), not until the set
	// leaves the folder, which may take days.
	Delay bool
}

// IsZero reports an envelope that is not a failure notice (or one written
// before version 3, which does not say).
func (n NoticeOf) IsZero() bool { return n.ID == "" }

// String is the field's value: <folder>/<id>, "external/2013100717060690338676".
func (n NoticeOf) String() string {
	if n.IsZero() {
		return ""
	}
	return n.Folder.String() + "/" + string(n.ID)
}

func parseNoticeOf(v string) (NoticeOf, error) {
	name, id, ok := strings.Cut(v, "/")
	if !ok || !ID(id).Valid() {
		return NoticeOf{}, strErr("want <folder>/<id>")
	}
	for f, fn := range folderNames {
		if name == fn {
			return NoticeOf{ID: ID(id), Folder: Folder(f)}, nil
		}
	}
	return NoticeOf{}, strErr("unknown folder")
}

// Held reports whether the set env of the incoming queue is a failure
// notice whose set is still in the folder its notice names (its .auth is
// there, or half way through a move from there): the agent that gave that
// set up has not filed it yet, and a replay after a crash would write the
// notice again, finding it here (ErrExists) only if it has not gone on.
// So the MDA leaves a held notice where it is.
func (t *Tree) Held(env *Envelope) (bool, error) {
	if env == nil || env.Notice.IsZero() {
		return false, nil
	}
	dir, err := t.setDir(env.Notice.Folder, env.Notice.ID)
	if err != nil {
		return false, fmt.Errorf("queue: notice %s: %w", env.ID, err)
	}
	if !exists(filepath.Join(dir, authName(env.Notice.ID))) {
		return false, nil
	}
	if !env.Notice.Delay {
		return true, nil
	}
	set, err := t.Envelope(env.Notice.Folder, env.Notice.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil // moved on meanwhile: it was recorded before the move
	case err != nil:
		return true, err
	}
	for _, r := range set.Recipients {
		if !r.Warned.IsZero() {
			return false, nil
		}
	}
	return true, nil
}
