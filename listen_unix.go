//go:build !windows

package main

import (
	"errors"
	"syscall"
)

func isAccessDenied(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}
func isAddrInUse(err error) bool    { return errors.Is(err, syscall.EADDRINUSE) }
func isAddrNotAvail(err error) bool { return errors.Is(err, syscall.EADDRNOTAVAIL) }
