package mxa

import (
	"io"
	"strings"
)

// signed makes m carry a DKIM-Signature (Options.Sign) in front of the
// stored message, computed once for this attempt. A message that cannot be
// signed is sent unsigned, with a warning: holding it back would delay
// mail for a local fault the administrator can fix.
func (j *job) signed(m *message) {
	if j.a.opt.Sign == nil {
		return
	}
	f, err := m.open()
	if err != nil {
		return // transact reports it
	}
	sig, err := j.a.opt.Sign(f)
	f.Close()
	if err != nil {
		j.a.log.Warnf("MXA", "%s: not DKIM-signed: %v", j.env.ID, err)
		return
	}
	if sig == "" {
		return // not from a domain we sign for
	}
	open := m.open
	m.size += int64(len(sig))
	m.open = func() (io.ReadCloser, error) {
		f, err := open()
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{io.MultiReader(strings.NewReader(sig), f), f}, nil
	}
}
