//go:build !windows

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// On Linux (and other Unix systems) /INSTALL writes a systemd unit per
// instance into the folder and says how to enable them; it changes nothing
// outside the folder, so it needs no privileges and is easy to undo.

func unitPath(s service) string { return filepath.Join(s.Dir, s.Name+".service") }

// unitText is the unit of one instance. mailq stops cleanly on SIGTERM, which
// is how systemd stops a service; a /STOP from the console makes it exit 0,
// which Restart=on-failure leaves stopped.
func unitText(s service, u *user.User) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by \"mailq /install\"; remove with \"mailq /uninstall\".\n")
	fmt.Fprintf(&b, "[Unit]\nDescription=%s\nAfter=network-online.target\nWants=network-online.target\n\n", s.Description)
	// WorkingDirectory takes the rest of the line as the path: no quotes,
	// but specifiers must still be escaped.
	fmt.Fprintf(&b, "[Service]\nType=simple\nWorkingDirectory=%s\n", strings.ReplaceAll(s.Dir, "%", "%%"))
	fmt.Fprintf(&b, "ExecStart=%s\n", systemdCommand(s.Exe, s.Args))
	if u != nil && u.Uid != "0" {
		// The folder's owner runs it; the capability lets it listen on
		// ports 25 and 110 without being root.
		fmt.Fprintf(&b, "User=%s\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n", u.Username)
	}
	b.WriteString("Restart=on-failure\nRestartSec=5\nEnvironment=NO_COLOR=1\n\n")
	b.WriteString("[Install]\nWantedBy=multi-user.target\n")
	return b.String()
}

// systemdCommand quotes each word as systemd.service(5) "Command lines"
// reads them: double quotes, with backslash escapes, and % doubled
// (specifiers).
func systemdCommand(exe string, args []string) string {
	words := []string{systemdQuote(exe)}
	for _, a := range args {
		words = append(words, systemdQuote(a))
	}
	return strings.Join(words, " ")
}

func systemdQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%", "$", "$$").Replace(s)
	return `"` + s + `"`
}

func installServices(plan []service, stdout io.Writer) error {
	u, _ := user.Current()
	var paths []string
	for _, s := range plan {
		p := unitPath(s)
		if err := writeNew(p, unitText(s, u)); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists: run \"%s /uninstall\" first", p, exeName())
			}
			return err
		}
		fmt.Fprintf(stdout, "mailq: wrote %s\n", p)
		paths = append(paths, shellQuote(p))
	}
	fmt.Fprintf(stdout, "To start them now and at every boot, as root:\n  systemctl enable --now %s\n", strings.Join(paths, " "))
	return nil
}

// shellQuote quotes a path for the command the user is told to type.
func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"$\\`!*?[](){};&|<>#~") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// writeNew creates path with text, refusing to replace an existing file.
func writeNew(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func uninstallServices(plan []service, stdout io.Writer) error {
	var names []string
	for _, s := range plan {
		names = append(names, s.Name)
	}
	removed := 0
	for _, s := range plan {
		err := os.Remove(unitPath(s))
		switch {
		case err == nil:
			removed++
			fmt.Fprintf(stdout, "mailq: removed %s\n", unitPath(s))
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
	}
	if removed == 0 {
		return fmt.Errorf("no service units of %q in %s", strings.TrimSuffix(plan[0].Name, "-smtp"), plan[0].Dir)
	}
	fmt.Fprintf(stdout, "If they were enabled, also run, as root:\n  systemctl disable --now %s\n", strings.Join(names, " "))
	return nil
}

func isWindowsService([]string) bool { return false }

func runService([]string, io.Writer) int { return exitFailed }
