//go:build windows

package mda

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// scriptCommand returns the command that runs the script at path: batch
// files through cmd /c, VBScript and JScript through cscript, PowerShell
// scripts through powershell, anything else directly. At the time limit
// taskkill /T ends the whole process tree.
func scriptCommand(ctx context.Context, path string) *exec.Cmd {
	var cmd *exec.Cmd
	switch strings.ToLower(filepath.Ext(path)) {
	case ".bat", ".cmd":
		cmd = exec.CommandContext(ctx, "cmd.exe", "/c", path)
	case ".vbs", ".js":
		cmd = exec.CommandContext(ctx, "cscript.exe", "//NoLogo", path)
	case ".ps1":
		cmd = exec.CommandContext(ctx, "powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", path)
	default:
		cmd = exec.CommandContext(ctx, path)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
	cmd.Cancel = func() error {
		kill := exec.Command("taskkill.exe", "/T", "/F", "/PID", strconv.Itoa(cmd.Process.Pid))
		if err := kill.Run(); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	return cmd
}
