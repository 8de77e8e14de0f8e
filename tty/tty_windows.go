package tty

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

var procReadConsoleInput = windows.NewLazySystemDLL("kernel32.dll").NewProc("ReadConsoleInputW")

// inputRecord is INPUT_RECORD with the KEY_EVENT_RECORD layout of its union.
type inputRecord struct {
	eventType       uint16
	_               uint16
	keyDown         int32
	repeatCount     uint16
	virtualKeyCode  uint16
	virtualScanCode uint16
	unicodeChar     uint16
	controlKeyState uint32
}

const vkEscape = 0x1b

// prepare turns off line input and echo, and mouse selection unless quickEdit
// (a selection in QuickEdit mode freezes the console's output, which blocks
// the server). Reads wait at most a tenth of a second for an input event.
func prepare(f *os.File, quickEdit bool) (restore func(), read func() (byte, bool), err error) {
	h := windows.Handle(f.Fd())
	var old uint32
	if err := windows.GetConsoleMode(h, &old); err != nil {
		return nil, nil, err
	}
	mode := old &^ (windows.ENABLE_LINE_INPUT | windows.ENABLE_ECHO_INPUT)
	mode |= windows.ENABLE_EXTENDED_FLAGS
	if quickEdit {
		mode |= windows.ENABLE_QUICK_EDIT_MODE
	} else {
		mode &^= windows.ENABLE_QUICK_EDIT_MODE
	}
	if err := windows.SetConsoleMode(h, mode); err != nil {
		return nil, nil, err
	}
	restore = func() { _ = windows.SetConsoleMode(h, old) }
	read = func() (byte, bool) {
		ev, err := windows.WaitForSingleObject(h, 100)
		if err != nil {
			return 0, false
		}
		if ev != windows.WAIT_OBJECT_0 {
			return 0, true
		}
		var rec inputRecord
		var n uint32
		r, _, e := procReadConsoleInput.Call(uintptr(h), uintptr(unsafe.Pointer(&rec)), 1, uintptr(unsafe.Pointer(&n)))
		if r == 0 {
			return 0, !errors.Is(e, windows.ERROR_INVALID_HANDLE)
		}
		if n == 1 && rec.eventType == windows.KEY_EVENT && rec.keyDown != 0 && rec.virtualKeyCode == vkEscape {
			return ESC, true
		}
		return 0, true
	}
	return restore, read, nil
}
