package main

import (
	"errors"

	"golang.org/x/sys/windows"
)

func isAccessDenied(err error) bool { return errors.Is(err, windows.WSAEACCES) }
func isAddrInUse(err error) bool    { return errors.Is(err, windows.WSAEADDRINUSE) }
func isAddrNotAvail(err error) bool { return errors.Is(err, windows.WSAEADDRNOTAVAIL) }
