package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"mailq/internal/benchutil"
)

// fillMaildir writes each mailbox as a Maildir under dir/mail/<address>/,
// named as Dovecot's own delivery names them (the size in S=, so Dovecot
// need not stat), owned by the account Dovecot reads mail as.
func fillMaildir(dir string, boxes map[string][][]byte) error {
	uid, gid := nobody()
	for user, msgs := range boxes {
		box := filepath.Join(dir, "mail", user)
		for _, sub := range []string{"new", "tmp", "cur"} {
			if err := os.MkdirAll(filepath.Join(box, sub), 0o700); err != nil {
				return err
			}
		}
		for i, m := range msgs {
			name := fmt.Sprintf("1700000000.M%dP1.bench,S=%d,W=%d:2,", i, len(m), len(m))
			if err := os.WriteFile(filepath.Join(box, "cur", name), m, 0o600); err != nil {
				return err
			}
		}
	}
	return chownTree(filepath.Join(dir, "mail"), uid, gid)
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
}

// startDovecot runs a private Dovecot (POP3 only, no TLS) in the
// foreground on a free loopback port: its own base_dir, a static passdb
// (every user's password is benchPass), the Maildirs of fillMaildir. Its
// index files go into the Maildirs, so they survive a restart, as
// mailq's size cache must.
func startDovecot(bin string) func(dir string) (string, *exec.Cmd, error) {
	return func(dir string) (string, *exec.Cmd, error) {
		uid, gid := nobody()
		addr := benchutil.FreePort()
		_, port, _ := strings.Cut(addr, ":")
		base := filepath.Join(dir, "dovecot")
		if err := os.MkdirAll(base, 0o755); err != nil {
			return "", nil, err
		}
		conf := strings.Join([]string{
			"protocols = pop3",
			"listen = 127.0.0.1",
			"base_dir = " + filepath.Join(base, "run"),
			"state_dir = " + filepath.Join(base, "state"),
			"log_path = " + filepath.Join(base, "dovecot.log"),
			"ssl = no",
			"disable_plaintext_auth = no",
			"auth_mechanisms = plain",
			"default_internal_user = dovecot",
			"default_login_user = dovenull",
			"first_valid_uid = 1",
			"mail_location = maildir:" + filepath.Join(dir, "mail") + "/%u",
			"passdb {\n  driver = static\n  args = password=" + benchPass + "\n}",
			"userdb {\n  driver = static\n  args = uid=" + strconv.Itoa(uid) + " gid=" + strconv.Itoa(gid) +
				" home=" + filepath.Join(dir, "mail") + "/%u\n}",
			"service pop3-login {\n  inet_listener pop3 {\n    address = 127.0.0.1\n    port = " + port + "\n  }\n}",
			"service imap-login {\n  inet_listener imap {\n    port = 0\n  }\n}",
		}, "\n") + "\n"
		path := filepath.Join(base, "dovecot.conf")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			return "", nil, err
		}
		cmd := exec.Command(bin, "-c", path, "-F")
		if err := benchutil.StartAndDial(cmd, addr); err != nil {
			log, _ := os.ReadFile(filepath.Join(base, "dovecot.log"))
			return "", nil, fmt.Errorf("%w\n%s", err, log)
		}
		return addr, cmd, nil
	}
}
