package account

import (
	"errors"
	"testing"
	"time"
)

func TestLockPolicy(t *testing.T) {
	p := lockPolicy{max: 5, lockouts: DefaultLockouts(), memory: 24 * time.Hour}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var c Counter
	// Four rounds of five wrong attempts, each waited out: 15m, 1h, 4h, 24h, 24h.
	for round, want := range []time.Duration{15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour, 24 * time.Hour} {
		for i := 1; i <= 5; i++ {
			r, err := p.reserve(&c, now)
			if err != nil {
				t.Fatalf("round %d: reserve #%d = %v", round, i, err)
			}
			if r.attempt != i || r.left != 5-i || r.locks != (i == 5) {
				t.Fatalf("round %d: reserve #%d = %+v, want attempt %d, %d left, locks %v", round, i, r, i, 5-i, i == 5)
			}
			if i == 5 && !r.until.Equal(now.Add(want)) {
				t.Fatalf("round %d: lock until %v, want %v later", round, r.until, want)
			}
		}
		_, err := p.reserve(&c, now.Add(want-time.Second))
		var le lockedError
		if !errors.As(err, &le) || !le.until.Equal(now.Add(want)) {
			t.Fatalf("round %d: reserve during the lock = %v, want locked until %v", round, err, now.Add(want))
		}
		now = now.Add(want)
	}
	// A day without a lock after the last one ends forgets the level.
	now = now.Add(24 * time.Hour)
	for i := 1; i <= 5; i++ {
		r, _ := p.reserve(&c, now)
		if i == 5 && !r.until.Equal(now.Add(15*time.Minute)) {
			t.Errorf("after a quiet day the lock lasts %v, want 15m", r.until.Sub(now))
		}
	}
}

func TestWindowPolicy(t *testing.T) {
	p := windowPolicy{max: 3, window: time.Hour}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var c Counter
	for i := 1; i <= 3; i++ {
		r, err := p.reserve(&c, now.Add(time.Duration(i-1)*time.Minute))
		if err != nil || r.attempt != i || r.locks != (i == 3) {
			t.Fatalf("reserve #%d = %+v, %v; want attempt %d", i, r, err, i)
		}
	}
	var le lockedError
	if _, err := p.reserve(&c, now.Add(59*time.Minute)); !errors.As(err, &le) || !le.until.Equal(now.Add(time.Hour)) {
		t.Fatalf("reserve in a full window = %v, want locked until the window ends", err)
	}
	if r, err := p.reserve(&c, now.Add(time.Hour)); err != nil || r.attempt != 1 {
		t.Fatalf("reserve when the window ended = %+v, %v; want a new window", r, err)
	}
}
