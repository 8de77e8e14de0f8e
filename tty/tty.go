// Package tty watches an interactive console for the ESC key, which stops a
// mailq instance as in the original. It changes the terminal only while
// watching (no line buffering, no echo; signals and output processing stay as
// they were) and restores it when the watch ends. Without a terminal on
// standard input (a script, a service manager, a test) it does nothing: end of
// input is never a reason to stop.
package tty

import (
	"context"
	"os"

	"golang.org/x/term"
)

// ESC is the byte the escape key sends.
const ESC = 0x1b

// Interactive reports whether standard input is a terminal.
func Interactive() bool {
	return term.IsTerminal(int(os.Stdin.Fd()))
}

// WatchESC returns a channel closed when ESC is pressed on the console, and a
// stop function that ends the watch, restores the terminal and waits for the
// watcher to finish. When standard input is not a terminal the channel never
// closes. quickEdit keeps the Windows console's mouse selection on (/SELECT);
// it is ignored elsewhere.
func WatchESC(ctx context.Context, quickEdit bool) (<-chan struct{}, func()) {
	pressed := make(chan struct{})
	if !Interactive() {
		return pressed, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	restore, read, err := prepare(os.Stdin, quickEdit)
	if err != nil {
		cancel()
		return pressed, func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			b, ok := read()
			if !ok {
				return
			}
			if b == ESC {
				close(pressed)
				return
			}
		}
	}()
	return pressed, func() {
		cancel()
		<-done
		restore()
	}
}
