package smtp

import (
	"io"
	"time"

	"mailq/queue"
)

// discardSpool is the sink's spool without SinkKeep: a message is read to
// its final dot and thrown away, and "committed" without a file.
type discardSpool struct{}

type discardDraft struct{ id queue.ID }

func (discardSpool) newDraft() (draft, error)       { return discardDraft{queue.NewID(time.Now())}, nil }
func (discardSpool) freeBytes() (uint64, error)     { return 1 << 62, nil }
func (discardSpool) count() (int, error)            { return 0, nil }
func (d discardDraft) Write(p []byte) (int, error)  { return io.Discard.Write(p) }
func (d discardDraft) ID() queue.ID                 { return d.id }
func (d discardDraft) Commit(*queue.Envelope) error { return nil }
func (d discardDraft) Abort() error                 { return nil }
