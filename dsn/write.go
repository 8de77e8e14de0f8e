package dsn

import (
	"bytes"
	"errors"

	"mailq/queue"
)

// Write is the one notice step of both agents: it writes notice n into
// the incoming queue, for the MDA to file like any message, before the
// caller files the failed set n.Env, which is in folder src (the incoming
// queue for the MDA; external/ or retry/ for the MXA). n.ID is set here:
// LocalID for the MDA's, ID for the MXA's, both derived from the set's id,
// so a replay after a crash writes the same name. The notice's .auth names
// the set and src (queue.NoticeOf), and the MDA holds the notice in the
// queue while the set is still in src (queue.Tree.Held). So a replay, which
// runs only while the set is in src, finds the notice still there
// (queue.ErrExists) and the sender gets one notice: see "Failure notices"
// in queue/doc.go.
//
// A delay notice (n.Delay) has its own id, DelayID, and is held only
// until the set records it (queue.NoticeOf.Delay): the caller marks the
// set's recipients warned right after Write.
//
// Write reports whether it wrote the notice now; false with a nil error is
// a replay: the notice was written by an interrupted run, from the same
// record, and says the same.
func (n *Notice) Write(t *queue.Tree, src queue.Folder) (bool, error) {
	n.ID = noticeID(n.Env.ID, src)
	if n.Delay {
		n.ID = DelayID(n.Env.ID)
	}
	env, msg := n.Set()
	env.Notice = queue.NoticeOf{ID: n.Env.ID, Folder: src, Delay: n.Delay}
	err := t.WriteSet(queue.Incoming, env, bytes.NewReader(msg))
	if errors.Is(err, queue.ErrExists) {
		return false, nil
	}
	return err == nil, err
}

// noticeID is the notice's id for a set given up in folder src.
func noticeID(id queue.ID, src queue.Folder) queue.ID {
	if src == queue.Incoming {
		return LocalID(id)
	}
	return ID(id)
}
