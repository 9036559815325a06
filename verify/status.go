package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/digitalid/digitalid/credential/statuslist"
)

// statusValue is a verified Status List Token.
type statusValue struct {
	list *statuslist.List
	info statuslist.TokenInfo
}

// statusSource fetches and caches the Status List Token published at uri.
type statusSource struct {
	v   *Verifier
	uri string
}

func (s statusSource) cacheKey() string { return "statuslist " + s.uri }

func (s statusSource) load(ctx context.Context, now time.Time) (*snapshot[*statusValue], error) {
	env, at, err := s.v.loadEnvelope(ctx, s.cacheKey())
	if err != nil {
		return nil, err
	}
	val, err := s.v.parseStatus(ctx, env.Body, s.uri, now)
	if err != nil {
		return nil, err
	}
	return s.snapshot(val, at, env.response()), nil
}

func (s statusSource) fetch(ctx context.Context, now time.Time) (*snapshot[*statusValue], error) {
	r, err := s.v.fetch(ctx, s.uri, statuslist.MediaType, maxStatusBody)
	if err != nil {
		return nil, err
	}
	val, err := s.v.parseStatus(ctx, string(r.body), s.uri, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errFetch, err)
	}
	s.v.storeEnvelope(ctx, s.cacheKey(), r, now)
	return s.snapshot(val, now, r), nil
}

// snapshot: fresh for the token's ttl (draft section 8.3 step 4.4), else
// the response's max-age; usable MaxStatusAge beyond that; never past exp.
func (s statusSource) snapshot(val *statusValue, at time.Time, r response) *snapshot[*statusValue] {
	fresh := val.info.TTL
	if fresh == 0 && r.hasMaxAge {
		fresh = r.maxAge
	}
	return &snapshot[*statusValue]{
		value: val, fetchedAt: at, freshFor: fresh,
		usableFor: fresh + s.v.cfg.MaxStatusAge, expires: val.info.Expires,
	}
}

// parseStatus verifies a Status List Token with the issuer's keys,
// refetching them once if the token names a key the cached set lacks.
func (v *Verifier) parseStatus(ctx context.Context, token, uri string, now time.Time) (*statusValue, error) {
	keys, err := v.keySet(ctx, now)
	if err != nil {
		return nil, err
	}
	list, info, err := statuslist.ParseToken(token, keys, now, uri)
	if errors.Is(err, statuslist.ErrUnknownKey) || errors.Is(err, statuslist.ErrSignature) && info.KeyID == "" {
		if fresh, refreshed, rerr := v.refreshKeys(ctx, now); rerr != nil {
			err = errors.Join(err, rerr)
		} else if refreshed {
			list, info, err = statuslist.ParseToken(token, fresh, now, uri)
		}
	}
	if err != nil {
		return nil, err
	}
	return &statusValue{list: list, info: info}, nil
}

// statusSlot returns the slot of the status list at uri, creating it.
func (v *Verifier) statusSlot(uri string) *slot[*statusValue] {
	v.statusMu.Lock()
	defer v.statusMu.Unlock()
	s, ok := v.status[uri]
	if !ok {
		s = &slot[*statusValue]{}
		v.status[uri] = s
	}
	return s
}

// checkStatus looks up the credential's entry (draft section 8.3) and
// returns a refusal reason, "" for VALID, and when the list was fetched.
// An index beyond a cached list makes the verifier refetch it once: the
// issuer may have grown the list since.
func (v *Verifier) checkStatus(ctx context.Context, ref statuslist.Reference, now time.Time) (Outcome, string, time.Time, error) {
	s, src := v.statusSlot(ref.URI), statusSource{v: v, uri: ref.URI}
	c, err := s.get(ctx, now, src)
	if err != nil {
		return Undetermined, ReasonStatusUnavailable, time.Time{}, err
	}
	st, err := c.value.list.Get(ref.Idx)
	if errors.Is(err, statuslist.ErrIndex) {
		n, refreshed, ferr := s.refresh(ctx, now, src)
		switch {
		case ferr != nil:
			return Undetermined, ReasonStatusUnavailable, time.Time{}, errors.Join(err, ferr)
		case refreshed:
			c = n
			st, err = c.value.list.Get(ref.Idx)
		}
	}
	if err != nil {
		return Invalid, ReasonStatusIndex, c.fetchedAt, err
	}
	switch st {
	case statuslist.Valid:
		return Valid, "", c.fetchedAt, nil
	case statuslist.Invalid:
		return Invalid, ReasonRevoked, c.fetchedAt, nil
	case statuslist.Suspended:
		return Invalid, ReasonSuspended, c.fetchedAt, nil
	}
	return Invalid, ReasonStatusOther, c.fetchedAt, fmt.Errorf("verify: status %s", st)
}
