//go:build !windows

package smtp

// temporaryAcceptOS adds nothing to temporaryAccept's POSIX codes.
func temporaryAcceptOS(error) bool { return false }
