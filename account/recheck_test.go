package account_test

import (
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

func (pe *proofEnv) recheckChallenge(id, binding string) string {
	pe.t.Helper()
	c, err := pe.p.RecheckChallenge(pe.ctx, id, binding)
	if err != nil {
		pe.t.Fatalf("RecheckChallenge = %v", err)
	}
	return c.Value
}

// TestRecheckMatchAndRefusals: a recovery face check matches without
// changing the level; a replayed, late, foreign or other-purpose challenge
// is refused, and its challenges do not serve the cabinet check.
func TestRecheckMatchAndRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		s := pe.citizenAt(1, account.AssuranceHigh)
		other := pe.citizenAt(2, account.AssuranceHigh)
		std := pe.citizenAt(3, account.AssuranceStandard)
		id, good := s.CitizenID, photo(t, 240, 240, false)

		ch := pe.recheckChallenge(id, "rr_1")
		if err := pe.p.Recheck(pe.ctx, id, "rr_1", ch, good, account.Client{}); err != nil {
			t.Fatalf("Recheck(good photo) = %v", err)
		}
		if a := pe.assurance(id); a != account.AssuranceHigh {
			t.Fatalf("assurance after recheck = %q, want unchanged high", a)
		}
		err := pe.p.Recheck(pe.ctx, id, "rr_1", ch, good, account.Client{})
		wantKey(t, "Recheck(replay)", err, "account.proofing.challenge_invalid")

		ch = pe.recheckChallenge(id, "rr_1")
		err = pe.p.Recheck(pe.ctx, id, "rr_2", ch, good, account.Client{})
		wantKey(t, "Recheck(wrong binding)", err, "account.proofing.challenge_invalid")

		ch = pe.recheckChallenge(other.CitizenID, "rr_1")
		err = pe.p.Recheck(pe.ctx, id, "rr_1", ch, good, account.Client{})
		wantKey(t, "Recheck(another citizen's challenge)", err, "account.proofing.challenge_invalid")

		ch = pe.recheckChallenge(id, "rr_1")
		pe.clock.Advance(account.ChallengeTTL)
		err = pe.p.Recheck(pe.ctx, id, "rr_1", ch, good, account.Client{})
		wantKey(t, "Recheck(expired)", err, "account.proofing.challenge_expired")

		// A cabinet challenge bound to the session does not serve a recheck
		// bound to the same string, and a recheck challenge not the cabinet.
		cab := pe.challenge(std, account.PurposeProofing)
		err = pe.p.Recheck(pe.ctx, std.CitizenID, std.ID, cab, good, account.Client{})
		wantKey(t, "Recheck(cabinet challenge)", err, "account.proofing.challenge_invalid")
		rc := pe.recheckChallenge(std.CitizenID, std.ID)
		_, err = pe.p.Check(pe.ctx, std, rc, good, account.Client{})
		wantKey(t, "Check(recovery challenge)", err, "account.proofing.challenge_invalid")
		if a := pe.assurance(std.CitizenID); a != account.AssuranceStandard {
			t.Fatalf("assurance after refused check = %q, want standard", a)
		}

		calls := pe.bio.calls.Load()
		ch = pe.recheckChallenge(id, "rr_1")
		err = pe.p.Recheck(pe.ctx, id, "rr_1", ch, uniform(t, 300, 300, false), account.Client{})
		wantCode(t, "Recheck(blank image)", err, digitalid.EINVALID)
		if pe.bio.calls.Load() != calls {
			t.Fatalf("a refused image reached the service")
		}
	})
}

// TestRecheckCountsAndLocks: non-matches are counted with the cabinet's
// counter; the tenth locks every biometric check for 10 minutes.
func TestRecheckCountsAndLocks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pe := newProofEnv(newEnv(t, db, nil))
		s := pe.citizenAt(1, account.AssuranceHigh)
		id, bad := s.CitizenID, photo(t, 240, 240, true)
		for i := 1; i < account.MaxBiometricAttempts; i++ {
			err := pe.p.Recheck(pe.ctx, id, "rr_1", pe.recheckChallenge(id, "rr_1"), bad, account.Client{})
			wantKey(t, "Recheck(non-match)", err, "account.proofing.no_match")
			if l, ok := account.LimitOf(err); !ok || l.AttemptsLeft != account.MaxBiometricAttempts-i {
				t.Fatalf("attempt %d: limit %+v, want %d left", i, l, account.MaxBiometricAttempts-i)
			}
		}
		err := pe.p.Recheck(pe.ctx, id, "rr_1", pe.recheckChallenge(id, "rr_1"), bad, account.Client{})
		wantCode(t, "Recheck(10th non-match)", err, digitalid.ELOCKED)
		_, err = pe.p.RecheckChallenge(pe.ctx, id, "rr_1")
		wantCode(t, "RecheckChallenge(locked)", err, digitalid.ELOCKED)
		pe.clock.Advance(account.BiometricLock)
		ch := pe.recheckChallenge(id, "rr_1")
		if err := pe.p.Recheck(pe.ctx, id, "rr_1", ch, photo(t, 240, 240, false), account.Client{}); err != nil {
			t.Fatalf("Recheck after the lock = %v", err)
		}
	})
}

func TestRecheckNotConfigured(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		p, err := account.NewProofing(account.ProofingConfig{Store: e.db, Citizens: e.svc.Citizens, Audit: e.audit, Clock: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.RecheckChallenge(e.ctx, "c_x", "rr_1")
		wantCode(t, "RecheckChallenge(no provider)", err, digitalid.EUNAVAILABLE)
	})
}
