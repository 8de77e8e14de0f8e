package main

import (
	"context"
	"strings"

	"mailq/config"
	"mailq/lockfile"
	"mailq/logs"
)

// Capture mode (config.Capture): a test mail server. "mailq /capture" runs
// the SMTP server, the MDA and the POP3 server in one process, holding both
// instances' lock files, so that /stop, /stop:smtp and /stop:pop all stop
// it. The MXA runs only for mail released with /RELEASE (cmd_release.go),
// and then only to ReleaseDomains.

// captureLock takes the POP3 instance's lock file too when this process
// runs the POP3 server beside the SMTP one; nil when it does not. false
// means it is held elsewhere (the reason is printed).
func captureLock(cfg *config.Config) (*lockfile.Lock, bool) {
	if !cfg.Capture.WithPOP {
		return nil, true
	}
	pop := *cfg
	pop.Mode = config.ModePOP
	return acquireLock(&pop)
}

// watchCaptureLock returns a context cancelled also when the POP3 lock file
// disappears (/stop:pop), and the function that releases it.
func watchCaptureLock(ctx context.Context, lock *lockfile.Lock, log *logs.Logger) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if lock == nil {
		return ctx, cancel
	}
	gone := lock.Watch(ctx, lockCheck)
	go func() {
		select {
		case <-gone:
			log.Infof("", "lock file %s was removed (\"mailq /stop\" does that): shutting down", lock.Path)
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// captureBanner says in colour, right under the banner, what capture and
// fast mode change: a test server must never be mistaken for a real one.
func captureBanner(cfg *config.Config, log *logs.Logger) {
	if cfg.Capture.On && cfg.Mode != config.ModeWeb {
		log.Warnf("", "CAPTURE MODE: mail to any address is accepted and filed into %s/<address>/; nothing is sent out%s",
			cfg.Paths.Users, releaseNote(cfg))
	}
	if !cfg.Durable && cfg.Mode == config.ModeSMTP {
		log.Warnf("", "FAST MODE (Durable=False): nothing is synced to disk; a power cut may lose accepted mail")
	}
}

func releaseNote(cfg *config.Config) string {
	if cfg.CaptureMXA() {
		return " except mail released with /RELEASE to " + strings.Join(cfg.Capture.ReleaseDomains, ", ")
	}
	return ""
}

// captureHint replaces the hint about the first account in capture mode,
// where none is needed; it reports whether it did.
func (a *app) captureHint() bool {
	if !a.cfg.Capture.On || a.cfg.Capture.Auth {
		return false
	}
	a.log.Infof("", "send to any address; read it over POP3 with that address as the user name and any password")
	return true
}
