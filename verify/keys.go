package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// LoadJWKS reads the issuer's JSON Web Key Set from a file (as served at
// the issuer's /.well-known/jwks.json), for [WithJWKS].
func LoadJWKS(path string) (*jose.JSONWebKeySet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verify: JWKS: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxJWKSBody+1))
	if err != nil {
		return nil, fmt.Errorf("verify: JWKS: %w", err)
	}
	if len(b) > maxJWKSBody {
		return nil, fmt.Errorf("verify: JWKS file over %d bytes", maxJWKSBody)
	}
	return ParseJWKS(b)
}

// ParseJWKS reads a JSON Web Key Set and keeps the public half of each
// valid asymmetric signing key in it. Keys it cannot use (another kty, an
// encryption key, a symmetric key) are skipped, not fatal, so an issuer can
// publish a key of a newer kind; a set with no usable key is an error.
func ParseJWKS(b []byte) (*jose.JSONWebKeySet, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("verify: JWKS: %w", err)
	}
	set := &jose.JSONWebKeySet{}
	for _, r := range raw.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil || k.Use != "" && k.Use != "sig" {
			continue
		}
		pub := k.Public()
		if !pub.Valid() || !pub.IsPublic() {
			continue
		}
		set.Keys = append(set.Keys, pub)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("verify: JWKS holds no usable public signing key")
	}
	return set, nil
}

// keySource fetches and caches the issuer's JWKS.
type keySource struct{ v *Verifier }

func (k keySource) cacheKey() string { return "jwks " + k.v.cfg.JWKSURL }

func (k keySource) load(ctx context.Context, now time.Time) (*snapshot[*jose.JSONWebKeySet], error) {
	env, at, err := k.v.loadEnvelope(ctx, k.cacheKey())
	if err != nil {
		return nil, err
	}
	set, err := ParseJWKS([]byte(env.Body))
	if err != nil {
		return nil, err
	}
	return k.snapshot(set, at, env.response()), nil
}

func (k keySource) fetch(ctx context.Context, now time.Time) (*snapshot[*jose.JSONWebKeySet], error) {
	r, err := k.v.fetch(ctx, k.v.cfg.JWKSURL, "application/jwk-set+json, application/json", maxJWKSBody)
	if err != nil {
		return nil, err
	}
	set, err := ParseJWKS(r.body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errFetch, err)
	}
	k.v.storeEnvelope(ctx, k.cacheKey(), r, now)
	return k.snapshot(set, now, r), nil
}

// snapshot: fresh for the response's max-age, usable up to MaxKeyAge.
func (k keySource) snapshot(set *jose.JSONWebKeySet, at time.Time, r response) *snapshot[*jose.JSONWebKeySet] {
	fresh := k.v.cfg.MaxKeyAge
	if r.hasMaxAge {
		fresh = min(r.maxAge, fresh)
	}
	return &snapshot[*jose.JSONWebKeySet]{value: set, fetchedAt: at, freshFor: fresh, usableFor: k.v.cfg.MaxKeyAge}
}

// keySet returns the issuer keys to verify with now.
func (v *Verifier) keySet(ctx context.Context, now time.Time) (*jose.JSONWebKeySet, error) {
	if v.pinned != nil {
		return v.pinned, nil
	}
	c, err := v.keys.get(ctx, now, keySource{v})
	if err != nil {
		return nil, err
	}
	return c.value, nil
}

// refreshKeys refetches the JWKS when a token names a key the cached set
// lacks. refreshed is false with pinned keys, or when the set was fetched
// less than a minute ago (it is then the issuer's current set).
func (v *Verifier) refreshKeys(ctx context.Context, now time.Time) (set *jose.JSONWebKeySet, refreshed bool, err error) {
	if v.pinned != nil {
		return v.pinned, false, nil
	}
	c, refreshed, err := v.keys.refresh(ctx, now, keySource{v})
	if err != nil {
		v.log.Warn("verify: JWKS refresh failed", "url", v.cfg.JWKSURL, "err", err.Error())
		return nil, false, err
	}
	if c == nil {
		return nil, false, nil
	}
	return c.value, refreshed, nil
}

// envelope is what the verifier stores in the Cache: the body as fetched
// and the max-age it came with.
type envelope struct {
	MaxAge *int64 `json:"max_age,omitempty"` // seconds
	Body   string `json:"body"`
}

func (e envelope) response() response {
	if e.MaxAge == nil {
		return response{}
	}
	return response{maxAge: time.Duration(*e.MaxAge) * time.Second, hasMaxAge: true}
}

func (v *Verifier) loadEnvelope(ctx context.Context, key string) (envelope, time.Time, error) {
	var env envelope
	data, at, err := v.cfg.Cache.Get(ctx, key)
	if err != nil {
		return env, at, err
	}
	if len(data) > maxCacheEntry {
		return env, at, fmt.Errorf("%w: entry too large", ErrCacheMiss)
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return env, at, fmt.Errorf("%w: %w", ErrCacheMiss, err)
	}
	return env, at, nil
}

// storeEnvelope writes a fetched body to the Cache; a failure is logged,
// not fatal: the copy in memory serves all the same.
func (v *Verifier) storeEnvelope(ctx context.Context, key string, r response, now time.Time) {
	env := envelope{Body: string(r.body)}
	if r.hasMaxAge {
		secs := int64(r.maxAge / time.Second)
		env.MaxAge = &secs
	}
	data, err := json.Marshal(env)
	if err == nil {
		err = v.cfg.Cache.Put(ctx, key, data, now)
	}
	if err != nil {
		v.log.Warn("verify: cache write failed", "key", key, "err", err.Error())
	}
}
