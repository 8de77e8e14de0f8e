package main

// Placeholder servers and agents: they listen, greet, answer QUIT and stop
// cleanly, so the instance lifecycle works end to end until each component's
// package replaces them (serve_smtp.go, serve_pop3.go, serve_mda.go,
// serve_mxa.go). Delete this file when none of them uses it.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

func (a *app) idleAgent(module, name string) component {
	return component{name: name, run: func(ctx context.Context) error {
		a.log.Startf(module, "starting %s", name)
		<-ctx.Done()
		a.log.Infof(module, "%s stopped", name)
		return nil
	}}
}

func greet(ctx context.Context, ln net.Listener, hello, bye, other string) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			context.AfterFunc(ctx, func() { c.Close() })
			fmt.Fprintf(c, "%s\r\n", hello)
			r := bufio.NewReader(c)
			for {
				c.SetReadDeadline(time.Now().Add(time.Minute))
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.EqualFold(strings.TrimSpace(line), "QUIT") {
					fmt.Fprintf(c, "%s\r\n", bye)
					return
				}
				fmt.Fprintf(c, "%s\r\n", other)
			}
		}()
	}
}
