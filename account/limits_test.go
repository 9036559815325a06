package account_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/store"
)

func TestLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		e.clock.Advance(20 * time.Second) // mid-window
		l := e.svc.Limits
		for i := 1; i <= 30; i++ {
			if err := l.Allow(e.ctx, account.BucketAuth, "203.0.113.5:4000"); err != nil {
				t.Fatalf("Allow #%d = %v", i, err)
			}
		}
		err := l.Allow(e.ctx, account.BucketAuth, "203.0.113.5")
		wantCode(t, "Allow(31st in a minute)", err, digitalid.ERATELIMITED)
		if lim, _ := account.LimitOf(err); !lim.RetryAt.Equal(e.clock.Now().Truncate(time.Minute).Add(time.Minute)) {
			t.Errorf("Allow retry at %v, want the end of the minute", lim.RetryAt)
		}
		if err := l.Allow(e.ctx, account.BucketAuth, "203.0.113.6"); err != nil {
			t.Errorf("Allow(another address) = %v", err)
		}
		for i := range 30 {
			if err := l.Allow(e.ctx, account.BucketAuth, fmt.Sprintf("[2001:db8:0:1::%x]:443", i+1)); err != nil {
				t.Fatalf("Allow(IPv6 #%d) = %v", i+1, err)
			}
		}
		wantCode(t, "Allow(31st from one IPv6 /64)", l.Allow(e.ctx, account.BucketAuth, "2001:db8:0:1:ffff::1"), digitalid.ERATELIMITED)
		e.clock.Advance(time.Minute)
		if err := l.Allow(e.ctx, account.BucketAuth, "203.0.113.5"); err != nil {
			t.Errorf("Allow(next minute) = %v", err)
		}
		wantCode(t, "Allow(unknown bucket)", l.Allow(e.ctx, "nope", "203.0.113.5"), digitalid.EINVALID)
		wantCode(t, "Allow(bad address)", l.Allow(e.ctx, account.BucketAuth, "localhost"), digitalid.EINVALID)
		noPlaintext(t, db, "203.0.113")
	})
	if _, err := account.NewLimits(testdb.SQLite(t), testKeys(), nil, map[string]account.Rate{"x": {Max: 0, Window: time.Minute}}); err == nil {
		t.Errorf("NewLimits(Max 0) = nil error")
	}
}

// TestLimitsAcrossInstances: two instances on one PostgreSQL database share
// the count exactly.
func TestLimitsAcrossInstances(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	a := newEnv(t, testdb.Open(t, dsn), nil)
	b := a.twin(testdb.Open(t, dsn))
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			in := []*env{a, b}[i%2]
			err := in.svc.Limits.Allow(in.ctx, account.BucketAuth, "198.51.100.1")
			switch digitalid.ErrorCode(err) {
			case "":
				allowed.Add(1)
			case digitalid.ERATELIMITED:
			default:
				t.Errorf("Allow = %v", err)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 30 {
		t.Errorf("100 requests over two instances: %d allowed, want exactly 30", n)
	}
}
