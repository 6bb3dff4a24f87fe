package web

import (
	"net"
	"net/netip"

	"github.com/gofiber/fiber/v2"
)

// AddressKey is the client address that per-address limits count against:
// an IPv4 address as it is, and for IPv6 the address's /64, the block one
// subscriber's network gets, within which a phone may pick a new address at
// will (RFC 8981).
func AddressKey(addr netip.Addr) string {
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// addressKeyOf returns the AddressKey of a connection's remote address.
func addressKeyOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return AddressKey(ip)
		}
	}
	return a.String()
}

// ClientAddress is the AddressKey of the request's client.
func ClientAddress(c *fiber.Ctx) string {
	if ip, ok := netip.AddrFromSlice(c.Context().RemoteIP()); ok {
		return AddressKey(ip)
	}
	return c.IP()
}
