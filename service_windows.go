package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"

	"mailq/config"
	"mailq/lockfile"
)

// On Windows /INSTALL registers each instance with the service control
// manager (it needs an administrator's console). The service runs this
// binary with the instance's switches; a stop request from the service
// manager does what "mailq /stop" does, so the instance finishes its
// sessions exactly as it does at the console.

func installServices(plan []service, stdout io.Writer) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("cannot reach the service manager (run as administrator): %w", err)
	}
	defer m.Disconnect()
	for i, s := range plan {
		if old, err := m.OpenService(s.Name); err == nil {
			old.Close()
			return fmt.Errorf("the service %s already exists: run \"%s /uninstall\" first", s.Name, exeName())
		}
		h, err := m.CreateService(s.Name, s.Exe, mgr.Config{
			DisplayName: s.Description,
			Description: s.Description + ": started by mailq /install",
			StartType:   mgr.StartAutomatic,
		}, append([]string{serviceSwitch}, s.Args...)...)
		if err != nil {
			for _, done := range plan[:i] {
				removeService(m, done.Name)
			}
			return fmt.Errorf("cannot create the service %s: %w", s.Name, err)
		}
		h.Close()
		fmt.Fprintf(stdout, "mailq: installed the service %s (%s)\n", s.Name, s.Description)
	}
	names := make([]string, len(plan))
	for i, s := range plan {
		names[i] = s.Name
	}
	fmt.Fprintf(stdout, "They start at the next boot; to start them now:\n  sc start %s\n", strings.Join(names, " & sc start "))
	return nil
}

func uninstallServices(plan []service, stdout io.Writer) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("cannot reach the service manager (run as administrator): %w", err)
	}
	defer m.Disconnect()
	removed := 0
	for _, s := range plan {
		err := removeService(m, s.Name)
		switch {
		case err == nil:
			removed++
			fmt.Fprintf(stdout, "mailq: removed the service %s\n", s.Name)
		case !errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST):
			return fmt.Errorf("cannot remove the service %s: %w", s.Name, err)
		}
	}
	if removed == 0 {
		return fmt.Errorf("no services named %s", strings.TrimSuffix(plan[0].Name, "-smtp")+"-smtp/-pop3")
	}
	return nil
}

// removeService stops the service if it runs, then deletes it.
func removeService(m *mgr.Mgr, name string) error {
	h, err := m.OpenService(name)
	if err != nil {
		return err
	}
	defer h.Close()
	if st, err := h.Query(); err == nil && st.State != svc.Stopped {
		h.Control(svc.Stop)
	}
	return h.Delete()
}

// serviceSwitch opens the command line /INSTALL registers: it tells the
// program that the service manager started it. svc.IsWindowsService alone
// guesses from the parent process (services.exe in session 0), and under
// Wine, whose services.exe runs in session 1, it guesses wrong: the service
// then ran as a console instance, never answered the service manager, and
// was ended by it after its start time-out (ERROR_SERVICE_REQUEST_TIMEOUT).
const serviceSwitch = "/SERVICE"

// isWindowsService reports whether the service manager started this
// process: its own switch first, the guess for services installed by an
// older version.
func isWindowsService(args []string) bool {
	if len(args) > 0 && strings.EqualFold(args[0], serviceSwitch) {
		return true
	}
	ok, err := svc.IsWindowsService()
	return err == nil && ok
}

// runService runs the instance under the service manager.
func runService(args []string, stderr io.Writer) int {
	if len(args) > 0 && strings.EqualFold(args[0], serviceSwitch) {
		args = args[1:]
	}
	h := &serviceHandler{args: args}
	// The service's name is only needed for the dispatcher's table; the
	// manager started this process for exactly one service.
	if err := svc.Run("", h); err != nil {
		fmt.Fprintf(stderr, "mailq: %s is for the service manager, which did not start this program: %v\n", serviceSwitch, err)
		return exitUsage
	}
	return h.code
}

type serviceHandler struct {
	args []string
	code int
}

func (h *serviceHandler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	done := make(chan int, 1)
	go func() { done <- run(h.args, io.Discard, io.Discard) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case h.code = <-done:
			return false, uint32(h.code)
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending, WaitHint: uint32(stopWait / time.Millisecond)}
				stopSelf(h.args)
			}
		}
	}
}

// stopSelf removes this instance's lock file, which is what "mailq /stop"
// does: the instance closes its listeners, finishes its sessions and
// returns from run.
func stopSelf(args []string) {
	inv, err := config.ParseArgs(args)
	if err != nil {
		return
	}
	cfg, err := config.Load(inv, environment())
	if err != nil {
		return
	}
	path := cfg.Paths.SMTPLock
	if cfg.Mode == config.ModePOP {
		path = cfg.Paths.POPLock
	}
	lockfile.Remove(path)
}
