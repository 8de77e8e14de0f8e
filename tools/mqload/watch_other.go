//go:build !linux

package main

import (
	"errors"
	"time"
)

type watcher struct{}

func newWatcher(string) (*watcher, error) {
	return nil, errors.New("watching a mailbox needs inotify (Linux)")
}

func (*watcher) wait([]sent, time.Duration) []time.Duration { return nil }
