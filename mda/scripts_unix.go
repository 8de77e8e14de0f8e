//go:build !windows

package mda

import (
	"context"
	"os"
	"os/exec"
	"syscall"
)

// scriptCommand returns the command that runs the script at path: the file
// itself when it is executable, else "sh path". It runs in a process group
// of its own, so the time limit kills everything it started.
func scriptCommand(ctx context.Context, path string) *exec.Cmd {
	var cmd *exec.Cmd
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
		cmd = exec.CommandContext(ctx, path)
	} else {
		cmd = exec.CommandContext(ctx, "sh", path)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The negative pid is the whole group: the script and its children.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return cmd
}
