package resolve

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// systemConfig collects the DNS servers of the network adapters that are up,
// preferring those with a default gateway (as Go's own resolver does), in
// the order Windows lists them.
func systemConfig() (sysConfig, error) {
	aas, err := adapters()
	if err != nil {
		return sysConfig{}, err
	}
	var withGW, without []string
	seen := map[string]bool{}
	for aa := aas; aa != nil; aa = aa.Next {
		if aa.OperStatus != windows.IfOperStatusUp {
			continue
		}
		for d := aa.FirstDnsServerAddress; d != nil; d = d.Next {
			ip, ok := sockaddrIP(d.Address)
			if !ok || seen[ip.String()] {
				continue
			}
			seen[ip.String()] = true
			hp := net.JoinHostPort(ip.String(), "53")
			if aa.FirstGatewayAddress != nil {
				withGW = append(withGW, hp)
			} else {
				without = append(without, hp)
			}
		}
	}
	if len(withGW) > 0 {
		return sysConfig{servers: withGW}, nil
	}
	return sysConfig{servers: without}, nil
}

// adapters calls GetAdaptersAddresses, growing the buffer as it asks.
func adapters() (*windows.IpAdapterAddresses, error) {
	size := uint32(15000) // Microsoft's recommended first size
	for range 5 {
		buf := make([]byte, size)
		aa := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0]))
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, windows.GAA_FLAG_SKIP_UNICAST|
			windows.GAA_FLAG_SKIP_ANYCAST|windows.GAA_FLAG_SKIP_MULTICAST|windows.GAA_FLAG_INCLUDE_GATEWAYS,
			0, aa, &size)
		if err == nil {
			if size == 0 {
				return nil, nil
			}
			return aa, nil
		}
		if !errors.Is(err, windows.ERROR_BUFFER_OVERFLOW) {
			return nil, err
		}
	}
	return nil, errors.New("GetAdaptersAddresses: buffer keeps growing")
}

// sockaddrIP returns the address of a DNS server entry, skipping the fec0::/10
// site-local anycast addresses that Windows lists when no IPv6 DNS server is
// set (deprecated by RFC 3879).
func sockaddrIP(sa windows.SocketAddress) (netip.Addr, bool) {
	if sa.Sockaddr == nil {
		return netip.Addr{}, false
	}
	s, err := sa.Sockaddr.Sockaddr()
	if err != nil {
		return netip.Addr{}, false
	}
	switch s := s.(type) {
	case *syscall.SockaddrInet4:
		return netip.AddrFrom4(s.Addr), true
	case *syscall.SockaddrInet6:
		ip := netip.AddrFrom16(s.Addr)
		if netip.MustParsePrefix("fec0::/10").Contains(ip) {
			return netip.Addr{}, false
		}
		return ip, true
	}
	return netip.Addr{}, false
}
