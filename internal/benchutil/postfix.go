package benchutil

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// A private Postfix: its own configuration, queue and data folders under
// one folder, master in the foreground, one smtpd on a loopback port,
// stopped by its PID (Stop). It never reads or touches /etc/postfix or the
// system's queue. mqbench measures one; mailtest's tests run against one.

// PostfixMaster returns the path of Postfix's master daemon, or why a
// private instance cannot run here: Postfix missing, no postfix account, or
// not root (master must start as root: it drops to the postfix account for
// its daemons).
func PostfixMaster() (string, error) {
	if os.Geteuid() != 0 {
		return "", errors.New("Postfix's master daemon must be started by root")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		return "", fmt.Errorf("no postfix account: %w", err)
	}
	master := "/usr/lib/postfix/sbin/master"
	if out, err := exec.Command("postconf", "-d", "-h", "daemon_directory").Output(); err == nil {
		master = filepath.Join(strings.TrimSpace(string(out)), "master")
	}
	if _, err := os.Stat(master); err != nil {
		return "", fmt.Errorf("Postfix's master daemon: %w", err)
	}
	return master, nil
}

// postfixDaemons are the master.cf services an smtpd needs to queue a
// message, none chrooted.
const postfixDaemons = `cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
discard unix - - n - - discard
error unix - - n - - error
retry unix - - n - - error
anvil unix - - n - 1 anvil
proxymap unix - - n - - proxymap
`

// StartPostfix prepares a private Postfix in dir whose smtpd listens on
// addr (FreePort: master.cf names the port), with the main.cf lines given
// after the common ones (folders, loopback only, no DNS, relay for
// 127.0.0.0/8 only) and the master.cf services given after the common
// ones (postfixDaemons); it starts master and waits until addr answers.
func StartPostfix(dir, addr string, mainCF []string, services string) (*exec.Cmd, error) {
	master, err := PostfixMaster()
	if err != nil {
		return nil, err
	}
	pf, _ := user.Lookup("postfix")
	uid, _ := strconv.Atoi(pf.Uid)
	conf, queue := filepath.Join(dir, "conf"), filepath.Join(dir, "queue")
	must := func(e error) {
		if err == nil {
			err = e
		}
	}
	must(os.MkdirAll(conf, 0o755))
	// The queue's folders as "postfix check" would make them (it takes
	// seconds): owned by the postfix account, the queue and pid/ by root.
	for _, d := range []string{"data", "queue/active", "queue/bounce", "queue/corrupt", "queue/defer", "queue/deferred",
		"queue/flush", "queue/hold", "queue/incoming", "queue/maildrop", "queue/private", "queue/public", "queue/saved", "queue/trace"} {
		p := filepath.Join(dir, d)
		must(os.MkdirAll(p, 0o700))
		must(os.Chown(p, uid, -1))
	}
	must(os.Chmod(dir, 0o755)) // the postfix account walks into queue/
	must(os.Chmod(queue, 0o755))
	must(os.Chown(queue, 0, -1))
	must(os.MkdirAll(filepath.Join(queue, "pid"), 0o755))
	common := []string{
		"compatibility_level = 3.6",
		"queue_directory = " + queue,
		"data_directory = " + filepath.Join(dir, "data"),
		"mail_owner = postfix",
		"inet_interfaces = 127.0.0.1",
		"inet_protocols = ipv4",
		"mydestination =",
		"mynetworks = 127.0.0.0/8",
		"smtpd_relay_restrictions = permit_mynetworks, reject",
		"smtp_dns_support_level = disabled",
	}
	must(os.WriteFile(filepath.Join(conf, "main.cf"), []byte(strings.Join(append(common, mainCF...), "\n")+"\n"), 0o644))
	must(os.WriteFile(filepath.Join(conf, "master.cf"), []byte(addr+" inet n - n - - smtpd\n"+postfixDaemons+services), 0o644))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(master, "-c", conf, "-d")
	if err := StartAndDial(cmd, addr); err != nil {
		return nil, err
	}
	return cmd, nil
}
