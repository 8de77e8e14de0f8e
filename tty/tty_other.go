//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package tty

import (
	"errors"
	"os"
)

func prepare(*os.File, bool) (func(), func() (byte, bool), error) {
	return nil, nil, errors.New("tty: console keys are not supported on this system")
}
