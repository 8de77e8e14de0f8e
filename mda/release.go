package mda

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"mailq/address"
	"mailq/queue"
)

// ErrNotCaptured is a /RELEASE of an id that no mailbox holds.
var ErrNotCaptured = errors.New("mda: no mailbox holds that message")

// Release re-queues the filed copy of message id for delivery to addr by
// the MXA (mailq /RELEASE:id /TO:addr, capture mode's one way out): it
// finds the copy in any mailbox, drops the fields this agent put on top of
// it (deliveryHeader: Return-Path, Delivered-To, X-Original-To; a
// Return-Path belongs to the final delivery only, RFC 5321 §4.4), and
// writes it as a new set into the external queue, from the sender its
// Return-Path names, to addr alone. The copy stays where it was. The
// caller checks addr against ReleaseDomains; the MXA of a capturing server
// checks it again before sending.
func Release(tree *queue.Tree, id queue.ID, addr string) (queue.ID, error) {
	if !id.Valid() {
		return "", fmt.Errorf("%q is not a message id (22 digits, as in the mailbox's file names)", string(id))
	}
	if _, err := address.ParseMailbox(addr); err != nil {
		return "", fmt.Errorf("%q is not an address: %w", addr, err)
	}
	mb, err := findCopy(tree, id)
	if err != nil {
		return "", err
	}
	sender, skip, eight, err := scanCopy(mb, id)
	if err != nil {
		return "", err
	}
	f, err := mb.Open(id)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Seek(skip, io.SeekStart); err != nil {
		return "", fmt.Errorf("mda: release %s: %w", id, err)
	}
	env := &queue.Envelope{
		ID: queue.NewID(time.Now()), From: sender, Origin: queue.OriginLocal, Helo: "release",
		Recipients: []queue.Recipient{{Addr: addr}},
	}
	if eight {
		env.Body = queue.Body8BitMIME
	}
	if err := tree.WriteSet(queue.External, env, f); err != nil {
		return "", err
	}
	return env.ID, nil
}

// findCopy returns the first mailbox (accounts' first, then unknown
// users') that holds message id.
func findCopy(tree *queue.Tree, id queue.ID) (*queue.Mailbox, error) {
	refs, err := tree.Mailboxes()
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		mb, err := tree.ExistingMailbox(ref)
		if err != nil {
			continue
		}
		if _, _, err := mb.Stat(id); err == nil {
			return mb, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNotCaptured, id)
}

// scanCopy reads the copy once: the sender from the Return-Path this agent
// wrote, how many bytes its own fields at the top take, and whether the
// message has 8-bit bytes (then it goes as 8BITMIME, RFC 6152).
func scanCopy(mb *queue.Mailbox, id queue.ID) (sender string, skip int64, eight bool, err error) {
	f, err := mb.Open(id)
	if err != nil {
		return "", 0, false, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	top := true
	found := false
	for {
		line, rerr := br.ReadSlice('\n')
		if top && rerr != nil {
			top = false // a partial line: the fields are over
		}
		if top {
			name, value, _ := bytes.Cut(line, []byte(":"))
			switch strings.ToLower(string(name)) {
			case "return-path":
				if !found {
					sender = strings.Trim(strings.TrimSpace(string(value)), "<>")
					found = true
				}
				skip += int64(len(line))
				continue
			case "delivered-to", "x-original-to":
				skip += int64(len(line))
				continue
			}
			top = false
		}
		for _, c := range line {
			if c >= 0x80 {
				eight = true
				break
			}
		}
		if errors.Is(rerr, bufio.ErrBufferFull) {
			continue
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "", 0, false, fmt.Errorf("mda: release %s: %w", id, rerr)
		}
	}
	if !found {
		return "", 0, false, fmt.Errorf("mda: release %s: the copy has no Return-Path: it was not filed by mailq", id)
	}
	if sender != "" {
		if _, err := address.ParseMailbox(sender); err != nil {
			return "", 0, false, fmt.Errorf("mda: release %s: its Return-Path <%s> is not an address", id, sender)
		}
	}
	return sender, skip, eight, nil
}
