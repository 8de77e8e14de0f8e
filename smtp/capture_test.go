package smtp

// captureDirective reads the transcripts' capture-mode switches.
func captureDirective(k, v string) (func(*Options), bool) {
	b := v == "true"
	switch k {
	case "capture":
		return func(o *Options) { o.Capture.On = b }, true
	case "capture-auth":
		return func(o *Options) { o.Capture.Auth = b }, true
	case "capture-mailbox":
		return func(o *Options) { o.Capture.Mailbox = v }, true
	case "capture-fold":
		return func(o *Options) { o.Capture.PlusFold = b }, true
	}
	return nil, false
}
