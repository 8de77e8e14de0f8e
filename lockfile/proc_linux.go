package lockfile

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// procInfo reads /proc: whether pid is a zombie (exited, not yet reaped by
// its parent, so kill(2) still finds it) and the path of its executable ("" if
// /proc does not say, e.g. for another user's process).
func procInfo(pid int) (zombie bool, exe string) {
	dir := "/proc/" + strconv.Itoa(pid)
	if stat, err := os.ReadFile(dir + "/stat"); err == nil {
		// The state follows the last ')' because the command name may hold
		// spaces and parentheses (proc(5)).
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
			state := stat[i+2]
			zombie = state == 'Z' || state == 'X'
		}
	}
	if p, err := os.Readlink(dir + "/exe"); err == nil {
		exe = strings.TrimSuffix(p, " (deleted)")
	}
	return zombie, exe
}
