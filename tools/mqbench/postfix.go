package main

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"

	"mailq/internal/benchutil"
)

// postfixMaster returns the path of Postfix's master daemon, or "" when a
// private Postfix cannot run here (benchutil.PostfixMaster says why).
func postfixMaster() string {
	m, _ := benchutil.PostfixMaster()
	return m
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
	uid, gid := nobody()
	mail := filepath.Join(dir, "mail")
	if err := os.MkdirAll(mail, 0o755); err != nil {
		return "", nil, nil, err
	}
	if err := os.Chown(mail, uid, gid); err != nil {
		return "", nil, nil, err
	}
	addr := benchutil.FreePort()
	cmd, err := benchutil.StartPostfix(dir, addr, []string{
		"myhostname = postfix.bench",
		"virtual_mailbox_domains = " + benchDomain,
		"virtual_mailbox_base = " + mail,
		"virtual_mailbox_maps = inline:{ " + benchRcpt + "=bench/ }",
		"virtual_uid_maps = static:" + strconv.Itoa(uid),
		"virtual_gid_maps = static:" + strconv.Itoa(gid),
		"virtual_minimum_uid = 1",
		"smtpd_peername_lookup = no",
	}, "virtual unix - n n - - virtual\n")
	if err != nil {
		return "", nil, nil, err
	}
	box := filepath.Join(mail, "bench", "new")
	return addr, func() (int, error) { return benchutil.CountFiles(box, "") }, cmd, nil
}
