package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"mailq/config"
)

// listen opens the instance's port. A port that cannot be bound gets an error
// that says why and how to choose another.
func listen(cfg *config.Config, port int, key string) (net.Listener, error) {
	return listenAt(cfg, cfg.Server.Bind, port, key)
}

// listenAt is listen on another address than Bind (the web instance's
// WebBind).
func listenAt(cfg *config.Config, bind string, port int, key string) (net.Listener, error) {
	addr := net.JoinHostPort(bind, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	shown := addr
	if bind == "" {
		shown = "port " + strconv.Itoa(port) + " (all interfaces)"
	}
	how := fmt.Sprintf("choose another port with /PORT:n or %s= in %s", key, iniName(cfg))
	switch {
	case isAccessDenied(err):
		return nil, fmt.Errorf("cannot listen on %s: ports below 1024 need administrator (root) rights on this system; %s (2525 for SMTP and 1100 for POP3 need none)", shown, how)
	case isAddrInUse(err):
		return nil, fmt.Errorf("cannot listen on %s: the port is already in use by another program (another mail server, or a mailq instance running from another folder); stop it, or %s", shown, how)
	case isAddrNotAvail(err):
		return nil, fmt.Errorf("cannot listen on %s: %s=%s is not an address of this computer; change %s= in %s (use * for all interfaces)", shown, bindKey(key), bind, bindKey(key), iniName(cfg))
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		err = opErr.Err
	}
	return nil, fmt.Errorf("cannot listen on %s: %v; %s", shown, err, how)
}

func iniName(cfg *config.Config) string {
	if cfg.INIFound {
		return cfg.INIPath
	}
	return "mailq.ini"
}

// bindKey is the key that sets the address of the port key.
func bindKey(key string) string {
	if key == "WebPort" {
		return "WebBind"
	}
	return "Bind"
}
