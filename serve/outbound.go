package serve

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// notPublic says why addr is not a public unicast address, or "".
func notPublic(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "loopback"
	case addr.IsPrivate():
		return "private"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast():
		return "link-local"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range reserved {
		if p.Contains(addr) {
			return "reserved"
		}
	}
	return ""
}

var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 of any IPv4, private ones included
	netip.MustParsePrefix("2001:db8::/32"),
}

// newOutboundClient returns the HTTP client of webhook deliveries. Unless
// allowPrivate, every connection it makes (the first request and each
// redirect alike) is checked after DNS resolution, at connect time, so a
// name resolving to a private address is refused, whatever the URL says.
// Proxies from the environment are not used: they would hide the address.
//
// refuse says why an address is refused ("" when it is not); nil refuses
// nothing (a webhook allowed to reach private addresses).
func newOutboundClient(timeout time.Duration, refuse func(netip.Addr) string) *http.Client {
	d := &net.Dialer{Timeout: timeout}
	if refuse != nil {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("refused to connect to %q: %w", address, err)
			}
			if why := refuse(ap.Addr()); why != "" {
				return &RefusedAddressError{Addr: ap.Addr().Unmap(), Reason: why}
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("stopped after 3 redirects")
			}
			return nil
		},
	}
}

// isRefused reports whether err is an outbound address refusal.
func isRefused(err error) bool {
	var re *RefusedAddressError
	return errors.As(err, &re)
}
