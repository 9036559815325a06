package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// Headers a trusted reverse proxy may name the client in (Config.ClientIPHeader).
const (
	HeaderXForwardedFor = "X-Forwarded-For" // "client, proxy1, proxy2": each proxy appends its peer
	HeaderForwarded     = "Forwarded"       // RFC 7239: "for=client, for=proxy1;proto=https"
)

// maxForwardedHops bounds the walk through a forwarded-for header: a chain
// of trusted proxies longer than this is not believed.
const maxForwardedHops = 32

// ParseTrustedProxies reads a comma-separated list of networks
// ("10.0.0.0/8, 2001:db8::/32"); a bare address is a one-address network.
// The empty string is no networks. A network with host bits set
// ("10.1.2.3/8") is refused, as it is probably a typo.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var nets []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(f, "/") {
			var err error
			if p, err = netip.ParsePrefix(f); err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not a network (CIDR such as 10.0.0.0/8 or 2001:db8::/32)", f)
			}
			if p != p.Masked() {
				return nil, fmt.Errorf("trusted proxy %q has host bits set; did you mean %s?", f, p.Masked())
			}
		} else {
			a, err := netip.ParseAddr(f)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("trusted proxy %q is not an IP address or a network (CIDR)", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		p = normPrefix(p)
		if p.Bits() == 0 {
			// Trusting every address lets any client name its own and
			// walk past the per-address limits.
			return nil, fmt.Errorf("trusted proxy %q is every address; list your proxies' networks", f)
		}
		nets = append(nets, p)
	}
	return nets, nil
}

// normPrefix is p without host bits, an IPv4-mapped network as IPv4.
func normPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() {
		return netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0)).Masked()
	}
	return p.Masked()
}

// proxies decides who the client of a request is: the connection's peer,
// unless the peer is a trusted proxy, which then names the client in header.
type proxies struct {
	nets   []netip.Prefix
	header string // HeaderXForwardedFor or HeaderForwarded
}

func (p proxies) trusts(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// client returns the client address of r, without port. When the peer is a
// trusted proxy, it walks the proxy header from the right (the entries the
// trusted proxies appended) to the first address that is not a trusted
// proxy: entries further left are the client's own words and never read.
// When every hop is trusted, it is the left-most one. A missing header, or
// a malformed, unknown or obfuscated entry reached in the walk, gives the
// peer.
func (p proxies) client(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return peerHost(r.RemoteAddr) // not an IP connection (tests, pipes)
	}
	peer := ap.Addr().Unmap()
	if len(p.nets) == 0 || !p.trusts(peer) {
		return peer.String()
	}
	vals := r.Header.Values(p.header)
	if len(vals) == 0 {
		return peer.String()
	}
	var hops []string
	if p.header == HeaderForwarded {
		hops = forwardedFor(vals)
	} else {
		hops = strings.Split(strings.Join(vals, ","), ",")
	}
	client := peer
	for i, n := len(hops)-1, 0; i >= 0; i, n = i-1, n+1 {
		if n == maxForwardedHops {
			return peer.String()
		}
		a, ok := parseNode(hops[i])
		if !ok {
			return peer.String()
		}
		client = a
		if !p.trusts(a) {
			break
		}
	}
	return client.String()
}

// parseNode reads one hop: an IPv4 or IPv6 address, IPv6 optionally in
// brackets, either optionally with a port. Zones, "unknown" and RFC 7239
// obfuscated identifiers are not addresses.
func parseNode(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(s); err == nil {
		a = ap.Addr()
	} else {
		if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
			s = s[1 : len(s)-1]
		}
		if a, err = netip.ParseAddr(s); err != nil {
			return netip.Addr{}, false
		}
	}
	if a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// forwardedFor returns the for= value of every element of the RFC 7239
// Forwarded header lines vals, in order. An element without for=, or the
// left part a client left with an unterminated quoted string, gives "",
// which parseNode refuses. Elements are split from the right, where the
// trusted proxies append theirs: what a client writes on the left cannot
// unsettle them.
func forwardedFor(vals []string) []string {
	elems := splitQuotedRight(strings.Join(vals, ","), ',')
	hops := make([]string, len(elems))
	for i, e := range elems {
		pairs, _ := splitQuoted(e, ';') // quotes balance: e is a whole element
		for _, pair := range pairs {
			k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if strings.EqualFold(k, "for") {
				hops[i] = unquote(v)
				break
			}
		}
	}
	return hops
}

// splitQuotedRight splits s at sep outside RFC 9110 quoted strings, reading
// from the right; when a quoted string is not terminated, everything left
// of the last balanced separator is one part "".
func splitQuotedRight(s string, sep byte) []string {
	var parts []string
	end, quoted := len(s), false
	for i := len(s) - 1; i >= 0; i-- {
		switch c := s[i]; {
		case c == '"' && !(quoted && i > 0 && s[i-1] == '\\'):
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[i+1:end])
			end = i
		}
	}
	if quoted {
		parts = append(parts, "")
	} else {
		parts = append(parts, s[:end])
	}
	slices.Reverse(parts)
	return parts
}

// splitQuoted splits s at sep outside RFC 9110 quoted strings. ok is false
// when a quoted string is not terminated.
func splitQuoted(s string, sep byte) (parts []string, ok bool) {
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if quoted {
		return nil, false
	}
	return append(parts, s[start:]), true
}

// unquote returns the value of an RFC 9110 quoted string, or v itself when
// it is a token.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		if v[i] == '\\' && i+1 < len(v)-1 {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// ClientIP returns the address of the client of r, without port: the peer
// of the connection, or, when the peer is one of Config.TrustedProxies, the
// client that proxy names (see Config.ClientIPHeader). The access log, rate
// limits and audit events all use it, so they agree on who the client is.
func ClientIP(r *http.Request) string { return clientIP(r) }

// clientIP is the client address the server decided on when the request
// came in; outside the server (a request built by hand), the peer.
func clientIP(r *http.Request) string {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok && st.client != "" {
		return st.client
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return peerHost(r.RemoteAddr)
}

// peerHost is the host part of a RemoteAddr that is not an IP address and
// port, or all of it.
func peerHost(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
