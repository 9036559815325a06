package issuer

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

// DefaultRate is how many authenticated calls an issuer may make per
// minute unless configured otherwise: ten a second on average, far above a
// registry's steady pushes, low enough that a runaway client cannot crowd
// out the others. Bulk loads go through `digitalid import`, not the API.
var DefaultRate = account.Rate{Max: 600, Window: time.Minute}

// rateBucket is the bucket of the per-issuer counters in the account rate
// limit table (keyed by the issuer id, which is not personal data).
const rateBucket = "issuer"

// limits fills in the rate-limit defaults and checks them.
func (c *Config) limits() error {
	if c.Rate.Max == 0 {
		c.Rate = DefaultRate
	}
	if c.Rate.Max <= 0 || c.Rate.Window < time.Second {
		return digitalid.Errorf(digitalid.EINVALID, "issuer: the rate limit needs Max > 0 and a Window of at least 1s")
	}
	if c.Limits == nil {
		if ls, ok := c.Store.(account.LimitStore); ok {
			c.Limits = ls
		}
	}
	if c.Limits == nil {
		return digitalid.Errorf(digitalid.EINVALID, "issuer: a rate-limit store is required")
	}
	return nil
}

// allow counts one call of the issuer in the current fixed window, in the
// database, so the limit holds across instances. Returns ERATELIMITED (key
// issuer.error.rate_limited) with an account.Limit whose RetryAt is the end
// of the window when the issuer is over its rate.
func (s *Service) allow(ctx context.Context, issuerID string) error {
	now := s.cfg.Clock()
	start := now.Truncate(s.cfg.Rate.Window)
	end := start.Add(s.cfg.Rate.Window)
	n, err := s.cfg.Limits.HitRateLimit(ctx, rateBucket, []byte(issuerID), start, end)
	if err != nil {
		return fmt.Errorf("issuer: rate limit: %w", err)
	}
	if n > s.cfg.Rate.Max {
		return &digitalid.Error{Code: digitalid.ERATELIMITED, Key: "issuer.error.rate_limited",
			Message: fmt.Sprintf("Too many calls from this issuer: at most %d per %s; try again later.", s.cfg.Rate.Max, s.cfg.Rate.Window),
			Err:     &account.Limit{RetryAt: end, AttemptsLeft: -1}}
	}
	return nil
}
