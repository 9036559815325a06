package account

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/digitalid/digitalid"
)

// BucketAuth is the rate-limit bucket of every authentication endpoint:
// code requests and checks, sign-up, sign-in, re-authentication.
const BucketAuth = "auth"

// Rate is at most Max requests per Window.
type Rate struct {
	Max    int
	Window time.Duration
}

// DefaultRates are the per-address limits: 30 authentication requests a
// minute from one IPv4 address or IPv6 /64.
func DefaultRates() map[string]Rate {
	return map[string]Rate{BucketAuth: {Max: 30, Window: time.Minute}}
}

// LimitStore keeps request counters. store.DB implements it.
type LimitStore interface {
	// HitRateLimit counts one request in the window (bucket, key,
	// windowStart) and returns the requests counted in it, this one
	// included. The count is one atomic step, exact across instances.
	// expiresAt is when the row may be purged.
	HitRateLimit(ctx context.Context, bucket string, key []byte, windowStart, expiresAt time.Time) (int, error)
}

// Limits rate-limits requests per client address in fixed windows counted in
// the database, so the limit holds across instances. Addresses are stored
// only as keyed hashes; IPv6 addresses count per /64, the block one
// subscriber usually holds.
type Limits struct {
	store LimitStore
	key   []byte
	now   digitalid.Clock
	rates map[string]Rate
}

// NewLimits returns the rate limiter. It uses keys.IPIndex. rates maps a
// bucket to its rate (nil: DefaultRates()). A nil clock is the system clock.
func NewLimits(st LimitStore, keys Keys, clock digitalid.Clock, rates map[string]Rate) (*Limits, error) {
	if st == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: limits need a store")
	}
	if err := keys.check(); err != nil {
		return nil, err
	}
	if rates == nil {
		rates = DefaultRates()
	}
	own := make(map[string]Rate, len(rates))
	for b, r := range rates {
		if !tokenPattern(b) || r.Max <= 0 || r.Window < time.Second {
			return nil, digitalid.Errorf(digitalid.EINVALID, "account: rate %q must have a token name, Max > 0 and Window >= 1s", b)
		}
		own[b] = r
	}
	return &Limits{store: st, key: keys.IPIndex, now: orSystemClock(clock), rates: own}, nil
}

// Allow counts a request from ip ("203.0.113.7", "2001:db8::1", or either
// with a port, as in http.Request.RemoteAddr) in bucket. Returns nil while
// the bucket's rate is not exceeded, ERATELIMITED (key account.rate_limited,
// Limit with RetryAt at the end of the window) when it is, and EINVALID for
// an unknown bucket or an unparsable address.
func (l *Limits) Allow(ctx context.Context, bucket, ip string) error {
	r, ok := l.rates[bucket]
	if !ok {
		return digitalid.Errorf(digitalid.EINVALID, "account: unknown rate-limit bucket %q", bucket)
	}
	key, err := l.ipKey(ip)
	if err != nil {
		return err
	}
	now := l.now()
	start := now.Truncate(r.Window)
	end := start.Add(r.Window)
	n, err := l.store.HitRateLimit(ctx, bucket, key, start, end)
	if err != nil {
		return fmt.Errorf("account: rate limit: %w", err)
	}
	if n > r.Max {
		return limited(digitalid.ERATELIMITED, "account.rate_limited", "Too many requests; wait a moment and try again.", end, 0)
	}
	return nil
}

// ipKey is the stored form of a client address: an HMAC of the address, or
// of its /64 for IPv6.
func (l *Limits) ipKey(ip string) ([]byte, error) {
	a, err := parseIP(ip)
	if err != nil {
		return nil, err
	}
	return mac(l.key, "ip", a), nil
}

// parseIP returns the canonical text of ip's address (IPv4) or /64 prefix
// (IPv6); ip may carry a port.
func parseIP(ip string) (string, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		ap, perr := netip.ParseAddrPort(ip)
		if perr != nil {
			return "", fieldError("ip", "account.ip.invalid", "The client address is not an IP address.")
		}
		a = ap.Addr()
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String(), nil
	}
	p, err := a.Prefix(64)
	if err != nil {
		return "", fieldError("ip", "account.ip.invalid", "The client address is not an IP address.")
	}
	return p.String(), nil
}
