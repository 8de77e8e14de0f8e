package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ModeWeb is the web instance (/WEB): mailboxes and the queue in a browser,
// and a JSON API, over the same folder tree. It runs no mail server and no
// agent, and has its own lock file.
const ModeWeb Mode = 2

// Web holds the web instance's keys, all in [Config].
type Web struct {
	// Port is WebPort: the HTTP port (8025, like other development mail
	// catchers, so test tools find it).
	Port int
	// Bind is WebBind: the address to listen on. Unlike Bind, it defaults
	// to 127.0.0.1: the pages show everyone's mail, so reaching them from
	// the network has to be asked for ("*" = every interface).
	Bind string
	// Admins is WebAdmins: the accounts that see every mailbox and the
	// queue when they log in. Any other account sees its own mailbox only.
	Admins []string
	// LoginLocal is WebLoginLocal: ask for a login from this computer too.
	// By default a visitor on a loopback address is an administrator
	// without one (the quick-start promise: open the page and look).
	LoginLocal bool
}

// parseAddressList reads addresses separated by commas or blanks.
func parseAddressList(v string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		a, err := parseAddress(f)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", f, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// checkWeb refuses switches that do not go with /WEB.
func (p *argParser) checkWeb() error {
	switch {
	case p.webArg == "":
		return nil
	case p.popArg != "":
		return &SwitchError{Arg: p.webArg, Err: fmt.Errorf("cannot be combined with %s; run one instance at a time", p.popArg)}
	case p.agentArg != "":
		return &SwitchError{Arg: p.agentArg, Err: fmt.Errorf("the MDA and MXA run in the SMTP instance; start them without /WEB")}
	}
	return nil
}

// webSummary is the start-up summary of the web instance.
func webSummary(c *Config) []string {
	bind := c.Web.Bind
	if bind == "" {
		bind = "*"
	}
	admins := "(none)"
	if len(c.Web.Admins) > 0 {
		admins = strings.Join(c.Web.Admins, ", ")
	}
	local := "administrator without a login"
	if c.Web.LoginLocal {
		local = "login required"
	}
	return []string{
		"Listening on: http://" + net.JoinHostPort(bind, strconv.Itoa(c.Web.Port)) + "/",
		"User root: " + c.Paths.Users,
		"Queue path: " + c.Paths.Queue,
		"Web administrators: " + admins,
		"From this computer: " + local,
	}
}
