package lockfile

import (
	"errors"

	"golang.org/x/sys/windows"
)

// stillActive is the exit code GetExitCodeProcess reports for a running
// process (STILL_ACTIVE). A process that exits with code 259 looks alive; that
// errs on the safe side.
const stillActive = 259

// probe reports whether process pid is running and the path of its
// executable ("" when unknown). Any doubt counts as running.
func probe(pid int) (running bool, exe string) {
	if pid <= 0 {
		return false, ""
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		// No such process id: ERROR_INVALID_PARAMETER. Access denied means
		// it exists.
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER), ""
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err == nil && code != stillActive {
		return false, ""
	}
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return true, ""
	}
	return true, windows.UTF16ToString(buf[:n])
}
