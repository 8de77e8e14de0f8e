package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"mailq/config"
	"mailq/msgauth"
)

// dkimKeyCommand runs /DKIMKEY:domain[:selector[:rsa|ed25519]]: it makes a
// key pair, writes the private key to dkim/domain.selector.key beside
// mailq.ini (never over an existing file: mail signed with it would no
// longer verify), and prints the DNS record to publish and the [DKIM]
// entry that makes the MXA sign with it.
func dkimKeyCommand(req *config.DKIMKeyRequest, cfg *config.Config, stdout, stderr io.Writer) int {
	rel := filepath.Join("dkim", req.Domain+"."+req.Selector+".key")
	path := filepath.Join(cfg.BaseDir, rel)
	if _, err := os.Lstat(path); err == nil {
		fmt.Fprintf(stderr, "mailq: /DKIMKEY: %s already exists and is never overwritten; choose another selector (/DKIMKEY:%s:selector)\n", path, req.Domain)
		return exitCommand
	}
	key, pemData, err := msgauth.GenerateKey(req.Ed25519)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o700)
	}
	if err == nil {
		err = writeNewFile(path, pemData) // cmd_init.go: exclusive, synced, owner only
	}
	if errors.Is(err, fs.ErrExist) {
		fmt.Fprintf(stderr, "mailq: /DKIMKEY: %s already exists and is never overwritten\n", path)
		return exitCommand
	}
	var rec string
	if err == nil {
		rec, err = msgauth.KeyRecord(key)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailq: /DKIMKEY: %v\n", err)
		return exitCommand
	}
	fmt.Fprintf(stdout, "mailq: wrote the private key %s; keep it secret\n", path)
	fmt.Fprintf(stdout, "Publish this DNS TXT record:\n\n%s\n\n", msgauth.ZoneLine(req.Domain, req.Selector, rec))
	fmt.Fprintf(stdout, "Then add to mailq.ini, and restart:\n\n[DKIM]\n%s=%s, %s\n", req.Domain, req.Selector, filepath.ToSlash(rel))
	return exitOK
}
