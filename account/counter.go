package account

import (
	"context"
	"time"
)

// Counter is the attempt state of one factor of one subject: the wrong PINs
// of a citizen (subject citizen id, factor "pin"), or the wrong one-time
// codes for a phone and purpose (subject the phone's lookup key in hex,
// factor "otp:signin"). It lives in the database so that every instance sees
// the same count; the rules that read and change it live in this package.
type Counter struct {
	Subject     string
	Factor      string
	Failures    int       // attempts counted in the current round or window
	WindowStart time.Time // when the current window began (OTP), zero if none
	LockedUntil time.Time // refused until then; zero when never locked
	Lockouts    int       // locks so far, which sets the next lock's length (PIN)
	UpdatedAt   time.Time
}

// CounterStore keeps attempt counters. store.DB implements it.
type CounterStore interface {
	// UpdateCounter reads the counter (subject, factor) — a zero Counter
	// with those names when there is none — passes it to fn, and stores
	// what fn leaves in it, all as one atomic step: the row stays locked
	// from the read to the write, so concurrent updates from any instance
	// are serialised and none is lost. If fn returns an error nothing is
	// stored and UpdateCounter returns that error unchanged. fn may run
	// more than once when the database asks for a retry, so it must derive
	// everything from the counter it is given. Returns the stored counter.
	UpdateCounter(ctx context.Context, subject, factor string, fn func(*Counter) error) (Counter, error)
	// Counter returns the counter, or a zero Counter with those names.
	Counter(ctx context.Context, subject, factor string) (Counter, error)
	// DeleteCounter forgets the counter (a correct PIN or code).
	DeleteCounter(ctx context.Context, subject, factor string) error
}

// Lockouts are the PIN lock lengths by lock number: 15 minutes, then 1 hour,
// 4 hours, and 24 hours for every lock after that.
type Lockouts []time.Duration

// DefaultLockouts is the schedule.
func DefaultLockouts() Lockouts {
	return Lockouts{15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour}
}

// of returns the length of the n-th lock (n from 1); the last entry repeats.
func (l Lockouts) of(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	return l[min(n, len(l))-1]
}

// reservation is the outcome of counting one attempt before checking it.
type reservation struct {
	attempt int       // 1 for the first attempt of a round
	left    int       // attempts left after this one, if it fails
	locks   bool      // this attempt, if wrong, is the one that locked the factor
	until   time.Time // when that lock ends
}

// lockPolicy counts attempts in rounds: max attempts, then a lock whose
// length grows with each lock. The lock is set when the last attempt of a
// round is reserved — before it is checked — so that no concurrent attempt
// slips in while it is being checked; a correct answer then deletes the
// counter, lock included. A lock level is forgotten after memory without a
// new lock.
type lockPolicy struct {
	max      int
	lockouts Lockouts
	memory   time.Duration
}

// reserve counts one attempt at now, or returns a lockedError if the
// factor is locked.
func (p lockPolicy) reserve(c *Counter, now time.Time) (reservation, error) {
	if now.Before(c.LockedUntil) {
		return reservation{}, lockedError{until: c.LockedUntil}
	}
	if !c.LockedUntil.IsZero() && now.Sub(c.LockedUntil) >= p.memory {
		c.Lockouts = 0
	}
	if c.Failures >= p.max {
		c.Failures = 0 // the lock was served: a new round begins
	}
	c.Failures++
	c.UpdatedAt = now
	r := reservation{attempt: c.Failures, left: p.max - c.Failures}
	if c.Failures >= p.max {
		c.Lockouts++
		c.LockedUntil = now.Add(p.lockouts.of(c.Lockouts))
		r.locks, r.until = true, c.LockedUntil
	}
	return r, nil
}

// windowPolicy allows max attempts in a window that opens at the first
// attempt and lasts window; then it refuses until the window ends.
type windowPolicy struct {
	max    int
	window time.Duration
}

func (p windowPolicy) reserve(c *Counter, now time.Time) (reservation, error) {
	if c.WindowStart.IsZero() || !now.Before(c.WindowStart.Add(p.window)) {
		c.WindowStart, c.Failures, c.LockedUntil = now, 0, time.Time{}
	}
	if c.Failures >= p.max {
		return reservation{}, lockedError{until: c.WindowStart.Add(p.window)}
	}
	c.Failures++
	c.UpdatedAt = now
	if c.Failures >= p.max {
		c.LockedUntil = c.WindowStart.Add(p.window)
	}
	return reservation{attempt: c.Failures, left: p.max - c.Failures, locks: c.Failures >= p.max, until: c.LockedUntil}, nil
}

// lockedError is how a policy refuses inside UpdateCounter; callers turn it
// into the user-facing error of their factor.
type lockedError struct{ until time.Time }

// Error describes the lock for logs.
func (e lockedError) Error() string { return "locked until " + e.until.Format(time.RFC3339) }
