package account_test

import (
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

func TestProofingRaisesStandardToHigh(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		s := pe.citizenAt(1, account.AssuranceStandard)
		got, err := pe.p.Check(pe.ctx, s, pe.challenge(s, account.PurposeProofing), photo(t, 240, 240, false), account.Client{})
		if err != nil || got != account.AssuranceHigh {
			t.Fatalf("Check(good photo) = %q, %v, want high", got, err)
		}
		if a := pe.assurance(s.CitizenID); a != account.AssuranceHigh {
			t.Fatalf("assurance after match = %q, want high", a)
		}
		if !pe.hasEvent(s.CitizenID, "account.proofing.attempt", audit.Success) {
			t.Fatalf("no successful account.proofing.attempt audit event")
		}
		for _, ev := range pe.events(s.CitizenID) {
			if ev.Action == "account.proofing.attempt" && ev.Details["score"] != "1.0" {
				t.Errorf("audited score = %q, want the rounded 1.0", ev.Details["score"])
			}
		}
		_, err = pe.p.NewChallenge(pe.ctx, s, account.PurposeProofing)
		wantKey(t, "NewChallenge(at high)", err, "account.proofing.already_high")
	})
}

func TestProofingRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		basic := pe.citizenAt(1, account.AssuranceBasic)
		_, err := pe.p.NewChallenge(pe.ctx, basic, account.PurposeProofing)
		wantKey(t, "NewChallenge(basic)", err, "account.proofing.needs_standard")

		s := pe.citizenAt(2, account.AssuranceStandard)
		other := pe.citizenAt(3, account.AssuranceStandard)
		good := photo(t, 240, 240, false)

		used := pe.challenge(s, account.PurposeProofing)
		if _, err := pe.p.Check(pe.ctx, s, used, photo(t, 240, 240, true), account.Client{}); digitalid.ErrorCode(err) != digitalid.EFORBIDDEN {
			t.Fatalf("Check(reject pattern) = %v, want EFORBIDDEN no_match", err)
		}
		_, err = pe.p.Check(pe.ctx, s, used, good, account.Client{})
		wantKey(t, "Check(replayed challenge)", err, "account.proofing.challenge_invalid")

		late := pe.challenge(s, account.PurposeProofing)
		pe.clock.Advance(account.ChallengeTTL)
		_, err = pe.p.Check(pe.ctx, s, late, good, account.Client{})
		wantKey(t, "Check(challenge 2 minutes old)", err, "account.proofing.challenge_expired")

		theirs := pe.challenge(other, account.PurposeProofing)
		_, err = pe.p.Check(pe.ctx, s, theirs, good, account.Client{})
		wantKey(t, "Check(another citizen's challenge)", err, "account.proofing.challenge_invalid")

		_, err = pe.p.Check(pe.ctx, s, "dpc_forged", good, account.Client{})
		wantKey(t, "Check(forged challenge)", err, "account.proofing.challenge_invalid")

		calls := pe.bio.calls.Load()
		fresh := pe.challenge(s, account.PurposeProofing)
		for name, img := range map[string][]byte{
			"blank png": uniform(t, 300, 300, false), "blank jpeg": uniform(t, 300, 300, true),
			"not an image": []byte("GIF89a not really"), "too small": photo(t, 100, 300, false),
		} {
			_, err := pe.p.Check(pe.ctx, s, fresh, img, account.Client{})
			wantCode(t, "Check("+name+")", err, digitalid.EINVALID)
		}
		if n := pe.bio.calls.Load(); n != calls {
			t.Fatalf("refused images reached the service %d times", n-calls)
		}
		// Refused images neither spend the challenge nor count an attempt.
		ctr, _ := db.Counter(pe.ctx, s.CitizenID, "biometric")
		if ctr.Failures != 1 {
			t.Fatalf("biometric failures = %d, want 1 (only the reject pattern)", ctr.Failures)
		}
		if got, err := pe.p.Check(pe.ctx, s, fresh, good, account.Client{}); err != nil || got != account.AssuranceHigh {
			t.Fatalf("Check(fresh challenge after refused images) = %q, %v, want high", got, err)
		}
	})
}

func TestProofingLockAfterTenFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		s := pe.citizenAt(1, account.AssuranceStandard)
		bad := photo(t, 240, 240, true)
		for i := 1; i <= account.MaxBiometricAttempts; i++ {
			_, err := pe.p.Check(pe.ctx, s, pe.challenge(s, account.PurposeProofing), bad, account.Client{})
			if i < account.MaxBiometricAttempts {
				wantKey(t, "Check(failure)", err, "account.proofing.no_match")
				if l, _ := account.LimitOf(err); l.AttemptsLeft != account.MaxBiometricAttempts-i {
					t.Fatalf("attempt %d: AttemptsLeft = %d, want %d", i, l.AttemptsLeft, account.MaxBiometricAttempts-i)
				}
				continue
			}
			wantCode(t, "Check(10th failure)", err, digitalid.ELOCKED)
			if l, _ := account.LimitOf(err); !l.RetryAt.Equal(pe.clock.Now().Add(account.BiometricLock)) {
				t.Fatalf("RetryAt = %v, want now+10m", l.RetryAt)
			}
		}
		_, err := pe.p.NewChallenge(pe.ctx, s, account.PurposeProofing)
		wantCode(t, "NewChallenge(locked)", err, digitalid.ELOCKED)
		pe.clock.Advance(account.BiometricLock - time.Second)
		_, err = pe.p.NewChallenge(pe.ctx, s, account.PurposeProofing)
		wantCode(t, "NewChallenge(9m59s later)", err, digitalid.ELOCKED)
		pe.clock.Advance(time.Second)
		if got, err := pe.p.Check(pe.ctx, s, pe.challenge(s, account.PurposeProofing), photo(t, 240, 240, false), account.Client{}); err != nil || got != account.AssuranceHigh {
			t.Fatalf("Check(after the lock) = %q, %v, want high", got, err)
		}
	})
}

func TestProofingVideoCheckBlocksAndQueues(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		s := pe.citizenAt(1, account.AssuranceStandard)
		_, err := pe.p.Check(pe.ctx, s, pe.challenge(s, account.PurposeVideo), photo(t, 240, 240, true), account.Client{})
		wantKey(t, "Check(failed video check)", err, "account.proofing.video_failed")
		if l, _ := account.LimitOf(err); !l.RetryAt.Equal(pe.clock.Now().Add(account.VideoLock)) {
			t.Fatalf("RetryAt = %v, want now+15m", l.RetryAt)
		}
		_, err = pe.p.NewChallenge(pe.ctx, s, account.PurposeProofing)
		wantKey(t, "NewChallenge(proofing, during video lock)", err, "account.proofing.locked")
		q, err := pe.p.ReviewQueue(pe.ctx, 0)
		if err != nil || len(q) != 1 || q[0].CitizenID != s.CitizenID || q[0].Reason != "dev_reject_pattern" || q[0].Score != 0.1 {
			t.Fatalf("ReviewQueue = %+v, %v, want one review of the citizen, reason dev_reject_pattern, score 0.1", q, err)
		}
		pe.clock.Advance(account.VideoLock)
		if _, err := pe.p.NewChallenge(pe.ctx, s, account.PurposeVideo); err != nil {
			t.Fatalf("NewChallenge(after 15m) = %v", err)
		}
	})
}

// TestProofingConcurrentFailuresCountExactly fires 20 failing attempts at
// once: exactly 10 reach the service, the rest are refused as locked.
func TestProofingConcurrentFailuresCountExactly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		s := pe.citizenAt(1, account.AssuranceStandard)
		const n = 20
		challenges := make([]string, n)
		for i := range challenges {
			challenges[i] = pe.challenge(s, account.PurposeProofing)
		}
		bad := photo(t, 240, 240, true)
		codes := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := pe.p.Check(pe.ctx, s, challenges[i], bad, account.Client{})
				codes[i] = digitalid.ErrorCode(err)
			})
		}
		wg.Wait()
		count := map[string]int{}
		for _, c := range codes {
			count[c]++
		}
		if got := pe.bio.calls.Load(); got != account.MaxBiometricAttempts {
			t.Fatalf("service called %d times, want exactly %d", got, account.MaxBiometricAttempts)
		}
		if count[digitalid.EFORBIDDEN] != account.MaxBiometricAttempts-1 || count[digitalid.ELOCKED] != n-account.MaxBiometricAttempts+1 {
			t.Fatalf("outcomes = %v, want 9 EFORBIDDEN and 11 ELOCKED", count)
		}
	})
}

func TestProofingNotConfigured(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), nil)
	p, err := account.NewProofing(account.ProofingConfig{Store: e.db, Citizens: e.svc.Citizens, Audit: e.audit})
	if err != nil {
		t.Fatalf("NewProofing = %v", err)
	}
	_, err = p.NewChallenge(e.ctx, account.Session{}, account.PurposeProofing)
	wantKey(t, "NewChallenge(no provider)", err, "account.proofing.not_configured")
	if _, err := account.NewDevelopmentBiometric(false); err == nil {
		t.Fatalf("NewDevelopmentBiometric(false) = nil error, want refusal")
	}
}

// TestProofingRulesAsIssued pins the platform's biometric rules to the
// figures the requirements name, since the behavioural tests count in the
// constants: 10 attempts, then 10 minutes blocked; a failed video check
// blocks 15 minutes; a challenge lives 2 minutes.
func TestProofingRulesAsIssued(t *testing.T) {
	if account.MaxBiometricAttempts != 10 || account.BiometricLock != 10*time.Minute ||
		account.VideoLock != 15*time.Minute || account.ChallengeTTL != 2*time.Minute {
		t.Errorf("rules = %d attempts, %v lock, %v video lock, %v challenge; want 10, 10m, 15m, 2m",
			account.MaxBiometricAttempts, account.BiometricLock, account.VideoLock, account.ChallengeTTL)
	}
}
