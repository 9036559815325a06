package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestProofingChallengeSpentOnce submits one challenge 8 times at once:
// exactly one submission reaches the service.
func TestProofingChallengeSpentOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		s := pe.citizenAt(1, account.AssuranceStandard)
		ch := pe.challenge(s, account.PurposeProofing)
		img := photo(t, 240, 240, false)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Go(func() {
				if _, err := pe.p.Check(pe.ctx, s, ch, img, account.Client{}); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 || pe.bio.calls.Load() != 1 {
			t.Fatalf("8 concurrent Check(same challenge): %d succeeded, service called %d times, want 1 and 1", wins, pe.bio.calls.Load())
		}
	})
}

// downBiometric is a service that always fails.
type downBiometric struct{}

func (downBiometric) Match(context.Context, account.MatchRequest) (account.MatchResult, error) {
	return account.MatchResult{}, errors.New("connection refused")
}

// TestProofingServiceFailureNotCounted: when the service fails, the attempt
// is given back, so an outage cannot lock citizens out.
func TestProofingServiceFailureNotCounted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		pe := newProofEnv(e)
		p, err := account.NewProofing(account.ProofingConfig{Store: db, Citizens: e.svc.Citizens, Audit: e.audit,
			Biometric: downBiometric{}, Clock: e.clock.Now})
		if err != nil {
			t.Fatalf("NewProofing = %v", err)
		}
		pe.p = p
		s := pe.citizenAt(1, account.AssuranceStandard)
		for range account.MaxBiometricAttempts + 2 {
			_, err := p.Check(e.ctx, s, pe.challenge(s, account.PurposeProofing), photo(t, 240, 240, false), account.Client{})
			wantCode(t, "Check(service down)", err, digitalid.EUNAVAILABLE)
		}
		if ctr, _ := db.Counter(e.ctx, s.CitizenID, "biometric"); ctr.Failures != 0 || !ctr.LockedUntil.IsZero() {
			t.Fatalf("counter after service failures = %+v, want nothing counted", ctr)
		}
	})
}
