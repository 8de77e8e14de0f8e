package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"mailq/config"
	"mailq/lockfile"
	"mailq/logs"
	"mailq/tty"
)

// lockCheck is how often an instance checks that its lock file still exists.
const lockCheck = 500 * time.Millisecond

// component is one long-running part of an instance: a server or an agent.
// run returns only after everything it started has ended.
type component struct {
	name string
	run  func(ctx context.Context) error
}

// serve runs the instance cfg.Mode until its lock file disappears, a signal
// arrives or ESC is pressed on the console.
func serve(cfg *config.Config) int {
	// The lock comes first: a second instance says why it cannot run in one
	// line, before any banner or log file.
	lock, ok := acquireLock(cfg)
	if !ok {
		return exitFailed
	}
	defer lock.Release()
	popLock, ok := captureLock(cfg) // serve_capture.go
	if !ok {
		return exitFailed
	}
	if popLock != nil {
		defer popLock.Release()
	}
	log, err := logs.New(logs.Options{
		Dir:   cfg.Paths.Logs,
		Level: logs.Level(cfg.Log.Level),
		Debug: cfg.Server.Debug,
		Quiet: cfg.Server.Quiet,
		// Server-level lines carry the instance's name: go.sh runs both
		// instances in one terminal.
		Module: cfg.Mode.String(),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "mailq: %v\n", err)
		return exitFailed
	}
	defer log.Close()
	log.Banner(fmt.Sprintf("mailq %s (%s) - %s/%s, %d CPU - %s", version, cfg.Mode, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), time.Now().Format("Monday, 2 Jan 2006")))
	captureBanner(cfg, log)
	for _, w := range cfg.Warnings {
		log.Warnf("", "%s", w)
	}
	for _, line := range cfg.Summary() {
		log.Config(line)
	}
	if lock.TookOver != nil {
		log.Warnf("", "took over a stale lock file %s: %s", lock.Path, lock.TookOver)
	}

	app, err := newApp(cfg, log)
	if err != nil {
		log.Errorf("", "%v", err)
		return exitFailed
	}
	defer app.close()
	for _, w := range cfg.DomainWarnings(app.users.Users()) {
		log.Warnf("", "%s", w)
	}
	// Signals are caught before the components listen: a client or a
	// service manager may act as soon as the port is open.
	ctx, cancel := rootContext(cfg, lock, log)
	defer cancel()
	ctx, stop := watchCaptureLock(ctx, popLock, log)
	defer stop()
	comps, err := app.components()
	if err != nil {
		log.Errorf("", "%v", err)
		return exitFailed
	}
	app.hints()
	app.lockedHint()
	log.Infof("", "%s instance running (pid %d); press ESC or Ctrl-C, or run \"%s /stop\", to shut down", cfg.Mode, os.Getpid(), exeName())

	failed := runAll(ctx, stop, comps, log)
	log.Infof("", "%s instance stopped", cfg.Mode)
	if failed {
		return exitFailed
	}
	return exitOK
}

func stopName(m config.Mode) string {
	if m == config.ModePOP {
		return "pop"
	} else if m == config.ModeWeb {
		return "web"
	} else if m == config.ModeSink {
		return "sink"
	}
	return "smtp"
}

// rootContext returns the instance's context: cancelled when the lock file
// disappears, on SIGINT or SIGTERM (a second one exits at once), or on ESC at
// an interactive console.
func rootContext(cfg *config.Config, lock *lockfile.Lock, log *logs.Logger) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	gone := lock.Watch(ctx, lockCheck)
	esc, stopESC := tty.WatchESC(ctx, cfg.Server.EnableMouseSelect)
	finished := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case s := <-sigs:
			log.Infof("", "%v received: shutting down (again to exit at once)", s)
		case <-gone:
			log.Infof("", "lock file %s was removed (\"mailq /stop\" does that): shutting down", lock.Path)
		case <-esc:
			log.Infof("", "ESC pressed: shutting down")
		case <-ctx.Done():
		}
		cancel()
		stopESC()
		select {
		case <-sigs:
			log.Errorf("", "second signal: exiting now")
			os.Exit(exitFailed)
		case <-finished:
		}
	}()
	return ctx, func() {
		cancel()
		close(finished)
		wg.Wait()
		signal.Stop(sigs)
	}
}

// runAll runs the components until ctx is cancelled or one of them fails,
// which cancels the others; it returns whether any failed.
func runAll(ctx context.Context, cancel context.CancelFunc, comps []component, log *logs.Logger) bool {
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := false
	for _, c := range comps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.run(ctx)
			if err != nil && !errors.Is(err, context.Canceled) {
				log.Errorf("", "%s stopped: %v", c.name, err)
				mu.Lock()
				failed = true
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	return failed
}
