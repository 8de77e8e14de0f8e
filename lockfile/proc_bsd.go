//go:build unix && !linux

package lockfile

// procInfo cannot tell zombies or executables apart portably on these
// systems; "unknown" makes a live PID count as the owner.
func procInfo(int) (zombie bool, exe string) { return false, "" }
