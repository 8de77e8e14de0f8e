//go:build !windows

package resolve

import (
	"net"
	"time"

	"github.com/miekg/dns"
)

// resolvConf is where Unix systems list their DNS servers (resolv.conf(5)).
const resolvConf = "/etc/resolv.conf"

// systemConfig reads the name servers, timeout and attempts of
// /etc/resolv.conf.
func systemConfig() (sysConfig, error) {
	cc, err := dns.ClientConfigFromFile(resolvConf)
	if err != nil {
		return sysConfig{}, err
	}
	sc := sysConfig{timeout: time.Duration(cc.Timeout) * time.Second, attempts: cc.Attempts}
	port := cc.Port
	if port == "" {
		port = "53"
	}
	for _, s := range cc.Servers {
		sc.servers = append(sc.servers, net.JoinHostPort(s, port))
	}
	return sc, nil
}
