package main

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"mailq/internal/benchutil"
)

// postfixMaster returns the path of Postfix's master daemon, or "" when
// Postfix is not installed or this is not root (master must be started by
// root: it drops to the postfix account for its daemons).
func postfixMaster() string {
	if os.Geteuid() != 0 {
		return ""
	}
	if _, err := user.Lookup("postfix"); err != nil {
		return ""
	}
	master := "/usr/lib/postfix/sbin/master"
	if out, err := exec.Command("postconf", "-d", "-h", "daemon_directory").Output(); err == nil {
		master = filepath.Join(strings.TrimSpace(string(out)), "master")
	}
	if _, err := os.Stat(master); err != nil {
		return ""
	}
	return master
}

// nobody is the account Postfix and Dovecot deliver and read mail as.
func nobody() (uid, gid int) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return 65534, 65534
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// startPostfix runs a private Postfix in dir: its own queue and
// configuration, master in the foreground, smtpd on a free loopback port,
// and the virtual(8) agent delivering the bench domain into the Maildir
// dir/mail/bench/ (fsync on, Postfix's default). It never reads or touches
// /etc/postfix or the system's queue.
func startPostfix(dir string) (string, func() (int, error), *exec.Cmd, error) {
	pf, _ := user.Lookup("postfix")
	pfUID, _ := strconv.Atoi(pf.Uid)
	uid, gid := nobody()
	conf, queue, mail := filepath.Join(dir, "conf"), filepath.Join(dir, "queue"), filepath.Join(dir, "mail")
	var err error
	must := func(e error) {
		if err == nil {
			err = e
		}
	}
	must(os.MkdirAll(conf, 0o755))
	// The queue's folders as "postfix check" would make them: owned by the
	// postfix account, pid/ by root.
	for _, d := range []string{"data", "queue/active", "queue/bounce", "queue/corrupt", "queue/defer", "queue/deferred",
		"queue/flush", "queue/hold", "queue/incoming", "queue/maildrop", "queue/private", "queue/public", "queue/saved", "queue/trace"} {
		p := filepath.Join(dir, d)
		must(os.MkdirAll(p, 0o700))
		must(os.Chown(p, pfUID, -1))
	}
	must(os.Chmod(queue, 0o755))
	must(os.MkdirAll(filepath.Join(queue, "pid"), 0o755))
	must(os.MkdirAll(mail, 0o755))
	must(os.Chown(mail, uid, gid))
	addr := benchutil.FreePort()
	mainCF := strings.Join([]string{
		"compatibility_level = 3.6",
		"queue_directory = " + queue,
		"data_directory = " + filepath.Join(dir, "data"),
		"mail_owner = postfix",
		"inet_interfaces = 127.0.0.1",
		"inet_protocols = ipv4",
		"myhostname = postfix.bench",
		"mydestination =",
		"mynetworks = 127.0.0.0/8",
		"smtpd_relay_restrictions = permit_mynetworks, reject",
		"virtual_mailbox_domains = " + benchDomain,
		"virtual_mailbox_base = " + mail,
		"virtual_mailbox_maps = inline:{ " + benchRcpt + "=bench/ }",
		"virtual_uid_maps = static:" + strconv.Itoa(uid),
		"virtual_gid_maps = static:" + strconv.Itoa(gid),
		"virtual_minimum_uid = 1",
		"smtp_dns_support_level = disabled",
		"smtpd_peername_lookup = no",
	}, "\n") + "\n"
	masterCF := addr + " inet n - n - - smtpd\n" + `cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
virtual unix - n n - - virtual
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
proxymap unix - - n - - proxymap
`
	must(os.WriteFile(filepath.Join(conf, "main.cf"), []byte(mainCF), 0o644))
	must(os.WriteFile(filepath.Join(conf, "master.cf"), []byte(masterCF), 0o644))
	if err != nil {
		return "", nil, nil, err
	}
	cmd := exec.Command(postfixMaster(), "-c", conf, "-d")
	if err := benchutil.StartAndDial(cmd, addr); err != nil {
		return "", nil, nil, err
	}
	box := filepath.Join(mail, "bench", "new")
	return addr, func() (int, error) { return benchutil.CountFiles(box, "") }, cmd, nil
}
