package verify

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Refetch limits: a resource is fetched at most once a minute after a
// success (so neither a flood of unknown key ids nor a list without ttl
// turns every scan into a request), and retried 10 seconds after a failure
// (so an offline scanner does not wait on the network at every scan).
const (
	minRefetch        = time.Minute
	retryAfterFailure = 10 * time.Second
)

// snapshot is one fetched copy of a resource and how long it may serve.
type snapshot[T any] struct {
	value     T
	fetchedAt time.Time
	freshFor  time.Duration // served without network until fetchedAt+freshFor
	usableFor time.Duration // served when a refresh fails until fetchedAt+usableFor
	expires   time.Time     // never served from this instant; zero: no limit
}

func (s *snapshot[T]) alive(now time.Time) bool {
	return s.expires.IsZero() || now.Before(s.expires)
}

func (s *snapshot[T]) fresh(now time.Time) bool {
	return now.Sub(s.fetchedAt) < s.freshFor && s.alive(now)
}

func (s *snapshot[T]) usable(now time.Time) bool {
	return now.Sub(s.fetchedAt) <= s.usableFor && s.alive(now)
}

// source loads a resource from the Cache and fetches it from the network
// (storing what it fetched in the Cache).
type source[T any] interface {
	load(ctx context.Context, now time.Time) (*snapshot[T], error)
	fetch(ctx context.Context, now time.Time) (*snapshot[T], error)
}

// slot holds the current copy of one resource (the JWKS, or one status
// list). Reads of a fresh copy take no lock; refreshes are serialized.
type slot[T any] struct {
	cur atomic.Pointer[snapshot[T]]

	mu          sync.Mutex // serializes loading and fetching
	loaded      bool       // the Cache has been read
	lastAttempt time.Time  // of a network fetch
	lastErr     error      // of that fetch
}

// get returns a copy to use now: a fresh one without network; otherwise a
// newly fetched one; otherwise, if the fetch fails or may not run yet, a
// stale but still usable one. The error wraps errFetch when there is none.
func (s *slot[T]) get(ctx context.Context, now time.Time, src source[T]) (*snapshot[T], error) {
	if c := s.cur.Load(); c != nil && c.fresh(now) {
		return c, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.loadLocked(ctx, now, src)
	if c != nil && c.fresh(now) {
		return c, nil
	}
	var err error
	if s.mayFetch(now) {
		var n *snapshot[T]
		if n, err = s.fetchLocked(ctx, now, src); err == nil {
			return n, nil
		}
	} else {
		err = s.lastErr
	}
	if c != nil && c.usable(now) {
		return c, nil
	}
	if err == nil {
		err = errors.New("verify: cached copy too old and refetched less than a minute ago")
	}
	return nil, errors.Join(errFetch, err)
}

// refresh fetches the resource again because the current copy lacks
// something it should have (a key id, a status index). refreshed is false
// when the copy was fetched too recently to ask again: it is then the
// issuer's current answer. err is set when the fetch failed, now or within
// the last retryAfterFailure.
func (s *slot[T]) refresh(ctx context.Context, now time.Time, src source[T]) (c *snapshot[T], refreshed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c = s.loadLocked(ctx, now, src)
	if !s.mayFetch(now) {
		if s.lastErr != nil {
			return c, false, errors.Join(errFetch, s.lastErr)
		}
		return c, false, nil
	}
	n, err := s.fetchLocked(ctx, now, src)
	if err != nil {
		return c, false, errors.Join(errFetch, err)
	}
	return n, true, nil
}

// fetchNow fetches regardless of the refetch limits: Prefetch asks for it.
func (s *slot[T]) fetchNow(ctx context.Context, now time.Time, src source[T]) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.fetchLocked(ctx, now, src)
	return err
}

func (s *slot[T]) mayFetch(now time.Time) bool {
	if s.lastAttempt.IsZero() || now.Before(s.lastAttempt) {
		return true
	}
	wait := minRefetch
	if s.lastErr != nil {
		wait = retryAfterFailure
	}
	return now.Sub(s.lastAttempt) >= wait
}

// loadLocked reads the Cache once, the first time the slot is used.
func (s *slot[T]) loadLocked(ctx context.Context, now time.Time, src source[T]) *snapshot[T] {
	if !s.loaded && s.cur.Load() == nil {
		s.loaded = true
		if c, err := src.load(ctx, now); err == nil {
			s.cur.Store(c)
		}
	}
	return s.cur.Load()
}

func (s *slot[T]) fetchLocked(ctx context.Context, now time.Time, src source[T]) (*snapshot[T], error) {
	s.lastAttempt = now
	n, err := src.fetch(ctx, now)
	s.lastErr = err
	if err != nil {
		return nil, err
	}
	s.loaded = true
	s.cur.Store(n)
	return n, nil
}
