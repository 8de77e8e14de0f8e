package mda

import (
	"mailq/address"
	"mailq/logs"
	"mailq/queue"
)

// Direct filing. When this agent runs in the SMTP server's process, a
// message for one recipient whose whole filing would be one plain copy in
// an account's mailbox is written there by the SMTP server itself, with the
// fields deliver puts on top (Return-Path, Delivered-To, X-Original-To),
// and committed there before the 250 (queue.Tree.NewMailboxDraft). The
// incoming queue and this agent's pass are skipped: one file is created
// and synced where the queue path creates three, syncs four and removes
// two. Everything else takes the queue: several recipients, an alias that
// loops, a group, an unknown or external address, a recipient asking for a
// success notice (NOTIFY=SUCCESS, which the pass writes), and every message
// when delivery scripts are configured (they run in the pass).

// DirectBox reports whether a message whose only recipient is r may be
// filed directly, and if so the mailbox (the address as this agent would
// file it, after aliases and capture mode's folding) and the address as
// received when it differs (the copy's X-Original-To). It decides with the
// planner the pass uses, so the copy goes where the pass would have put it.
func (a *Agent) DirectBox(r queue.Recipient) (box, orig string, ok bool) {
	if a.scripts != nil || r.Notify.Wants(queue.NotifySuccess) {
		return "", "", false
	}
	t, err := a.planner.target(r)
	if err != nil || t.act != actMailbox || t.loop != "" {
		return "", "", false
	}
	return t.addr, t.orig, true
}

// Filed records a message the SMTP server filed directly into box (from
// DirectBox): the delivery row the pass would have logged, and the count
// of capture mode's retention limits.
func (a *Agent) Filed(env *queue.Envelope, box, orig string) {
	folder, err := address.SafeName(box)
	if err != nil { // DirectBox's planner named the folder with the same function
		folder = box
	}
	a.log.MDAFiled(logs.MDARecipient{ID: string(env.ID), Tracking: env.Tracking, Sender: env.From,
		Rcpt: box, Orig: orig, Action: logs.MDADelivered, Dest: folder})
	a.retain.added(folder, env.ID, env.Size)
}
