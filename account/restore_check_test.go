package account_test

import (
	"slices"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

const birth = "1990-05-17"

// deletedCitizen signs up at phone(n), gives the citizen level a (and the
// birth date b of a confirmed passport unless empty) and deletes the account.
func (e *env) deletedCitizen(n int, a account.Assurance, b string) account.SignInResult {
	e.t.Helper()
	res := e.signUp(phone(n))
	if b != "" {
		d, err := time.Parse(time.DateOnly, b)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.svc.Citizens.SetBirthDate(e.ctx, res.Citizen.ID, d); err != nil {
			e.t.Fatalf("SetBirthDate = %v", err)
		}
	}
	if err := e.svc.Citizens.SetAssurance(e.ctx, res.Citizen.ID, a); err != nil {
		e.t.Fatalf("SetAssurance(%s) = %v", a, err)
	}
	if err := e.svc.DeleteAccount(e.ctx, res.Session, account.Client{}); err != nil {
		e.t.Fatalf("DeleteAccount = %v", err)
	}
	return res
}

// stillDeleted fails unless the citizen is still deleted and old devices
// stay refused.
func (e *env) stillDeleted(id string) {
	e.t.Helper()
	c, err := e.svc.Citizens.Get(e.ctx, id)
	if err != nil || c.Status != account.StatusDeleted {
		e.t.Fatalf("citizen after a refused restore = %+v, %v; want still deleted", c, err)
	}
}

// restoredCheck returns the "check" detail of the citizen's successful
// restore, or "" when there is none.
func (e *env) restoredCheck(id string) string {
	e.t.Helper()
	for _, ev := range e.events(id) {
		if ev.Action == "account.restored" && ev.Result == audit.Success {
			return ev.Details["check"]
		}
	}
	return ""
}

// TestRestoreCheckGraded: the re-check asks for what the platform knows of
// the person — the PIN of a basic citizen; the PIN and the birth date of a
// citizen with a confirmed passport — and a refusal restores nothing and
// leaves the proof usable.
func TestRestoreCheckGraded(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		basic := e.deletedCitizen(1, account.AssuranceBasic, "")
		proof := e.proof(phone(1), account.PurposeRestore)
		rc, err := e.svc.RestoreChallenge(e.ctx, proof)
		if err != nil || !slices.Equal(rc.Checks, []account.RestoreCheck{account.RestoreCheckPIN}) || rc.Challenge.Value != "" {
			t.Fatalf("RestoreChallenge(basic) = %+v, %v; want only the PIN", rc, err)
		}
		if _, err := e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: proof, PIN: goodPIN, DeviceName: "New"}); err != nil {
			t.Fatalf("RestoreAccount(basic) = %v", err)
		}
		if got := e.restoredCheck(basic.Citizen.ID); got != "otp_pin" {
			t.Errorf("audit check of a basic restore = %q, want otp_pin", got)
		}

		std := e.deletedCitizen(2, account.AssuranceStandard, birth)
		proof = e.proof(phone(2), account.PurposeRestore)
		rc, err = e.svc.RestoreChallenge(e.ctx, proof)
		if err != nil || !slices.Equal(rc.Checks, []account.RestoreCheck{account.RestoreCheckPIN, account.RestoreCheckBirthDate}) {
			t.Fatalf("RestoreChallenge(standard) = %+v, %v; want PIN and birth date", rc, err)
		}
		for _, tc := range []struct {
			name, pin, birth, key string
		}{
			{"missing birth date", goodPIN, "", "account.restore.birth_date_required"},
			{"malformed birth date", goodPIN, "17.05.1990", "account.restore.birth_date_format"},
			{"wrong birth date", goodPIN, "1990-05-18", "account.restore.identity_mismatch"},
			{"wrong PIN", "8642", birth, "account.pin.wrong"},
		} {
			_, err := e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: proof, PIN: tc.pin, BirthDate: tc.birth, DeviceName: "New"})
			wantKey(t, "RestoreAccount("+tc.name+")", err, tc.key)
			e.stillDeleted(std.Citizen.ID)
		}
		if _, err := e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: proof, PIN: goodPIN, BirthDate: birth, DeviceName: "New"}); err != nil {
			t.Fatalf("RestoreAccount(standard, right birth date, proof of the refusals) = %v", err)
		}
		if got := e.restoredCheck(std.Citizen.ID); got != "otp_pin_birth" {
			t.Errorf("audit check of a standard restore = %q, want otp_pin_birth", got)
		}
		if _, err := e.svc.RestoreChallenge(e.ctx, proof); digitalid.ErrorCode(err) != digitalid.EUNAUTHORIZED {
			t.Errorf("RestoreChallenge(used proof) = %v, want EUNAUTHORIZED", err)
		}
	})
}

// TestRestoreCheckUnavailable: the challenge answers only the holder of a
// restore proof for a restorable account.
func TestRestoreCheckUnavailable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		_, err := e.svc.RestoreChallenge(e.ctx, "not a proof")
		wantKey(t, "RestoreChallenge(garbage)", err, "account.otp.proof")
		e.deletedCitizen(1, account.AssuranceBasic, "")
		first, second := e.proof(phone(1), account.PurposeRestore), e.proof(phone(1), account.PurposeRestore)
		if _, err := e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: first, PIN: goodPIN, DeviceName: "New"}); err != nil {
			t.Fatalf("RestoreAccount = %v", err)
		}
		_, err = e.svc.RestoreChallenge(e.ctx, second)
		wantKey(t, "RestoreChallenge(active account)", err, "account.restore.unavailable")

		e.deletedCitizen(2, account.AssuranceBasic, "")
		e.clock.Advance(account.RestoreWindow - 5*time.Minute)
		late := e.proof(phone(2), account.PurposeRestore)
		e.clock.Advance(6 * time.Minute)
		_, err = e.svc.RestoreChallenge(e.ctx, late)
		wantKey(t, "RestoreChallenge(window passed)", err, "account.restore.unavailable")
		_, err = e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: late, PIN: goodPIN, DeviceName: "New"})
		wantKey(t, "RestoreAccount(window passed)", err, "account.restore.unavailable")

		e.deletedCitizen(3, account.AssuranceBasic, "")
		_, err = e.svc.RestoreChallenge(e.ctx, e.proof(phone(3), account.PurposePhoneChange))
		wantKey(t, "RestoreChallenge(phone-change proof)", err, "account.otp.proof")
	})
}

// TestRestoreCheckLocksBirthDate: five wrong birth dates lock the restore
// for 15 minutes — every restore and challenge answers ELOCKED, even with
// the right answers — and the next lock is longer.
func TestRestoreCheckLocksBirthDate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		c := e.deletedCitizen(1, account.AssuranceStandard, birth)
		proof := e.proof(phone(1), account.PurposeRestore)
		wrong := account.RestoreRequest{OTPProof: proof, PIN: goodPIN, BirthDate: "1991-01-01", DeviceName: "New"}
		for i := 1; i < account.MaxRestoreIdentityFailures; i++ {
			_, err := e.svc.RestoreAccount(e.ctx, wrong)
			wantKey(t, "RestoreAccount(wrong birth date)", err, "account.restore.identity_mismatch")
			if l, ok := account.LimitOf(err); !ok || l.AttemptsLeft != account.MaxRestoreIdentityFailures-i {
				t.Errorf("attempt %d: limit %+v, want %d left", i, l, account.MaxRestoreIdentityFailures-i)
			}
		}
		_, err := e.svc.RestoreAccount(e.ctx, wrong)
		wantKey(t, "RestoreAccount(fifth wrong birth date)", err, "account.restore.locked")
		l, _ := account.LimitOf(err)
		if got := l.RetryAt.Sub(e.clock.Now()); got != 15*time.Minute {
			t.Errorf("first lock = %v, want 15m", got)
		}
		if !e.hasEvent(c.Citizen.ID, "account.restore.locked", audit.Success) {
			t.Errorf("no account.restore.locked audit event")
		}
		e.clock.Advance(14 * time.Minute)
		proof = e.proof(phone(1), account.PurposeRestore) // the first expired after 10 minutes
		right := account.RestoreRequest{OTPProof: proof, PIN: goodPIN, BirthDate: birth, DeviceName: "New"}
		_, err = e.svc.RestoreAccount(e.ctx, right)
		wantCode(t, "RestoreAccount(right, while locked)", err, digitalid.ELOCKED)
		_, err = e.svc.RestoreChallenge(e.ctx, proof)
		wantCode(t, "RestoreChallenge(while locked)", err, digitalid.ELOCKED)
		e.stillDeleted(c.Citizen.ID)

		e.clock.Advance(2 * time.Minute)
		proof = e.proof(phone(1), account.PurposeRestore)
		wrong.OTPProof = proof
		for range account.MaxRestoreIdentityFailures {
			_, err = e.svc.RestoreAccount(e.ctx, wrong)
		}
		wantKey(t, "RestoreAccount(second round)", err, "account.restore.locked")
		if l, _ := account.LimitOf(err); l.RetryAt.Sub(e.clock.Now()) != time.Hour {
			t.Errorf("second lock = %v, want 1h", l.RetryAt.Sub(e.clock.Now()))
		}
		e.clock.Advance(time.Hour)
		right.OTPProof = e.proof(phone(1), account.PurposeRestore)
		if _, err := e.svc.RestoreAccount(e.ctx, right); err != nil {
			t.Fatalf("RestoreAccount(after the lock) = %v", err)
		}
	})
}

// restoreFace is an env whose service re-checks faces with the development
// provider.
func restoreFace(e *env) *proofEnv {
	pe := newProofEnv(e)
	e.svc.SetProofing(pe.p)
	return pe
}

// TestRestoreCheckFace: a citizen at high also shows a face matched against
// a fresh challenge bound to the restore proof; the level does not change.
func TestRestoreCheckFace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		pe := restoreFace(e)
		c := e.deletedCitizen(1, account.AssuranceHigh, birth)
		proof := e.proof(phone(1), account.PurposeRestore)
		req := func(challenge string, img []byte) account.RestoreRequest {
			return account.RestoreRequest{OTPProof: proof, PIN: goodPIN, BirthDate: birth, Challenge: challenge, Image: img, DeviceName: "New"}
		}
		challenge := func(p string) string {
			t.Helper()
			rc, err := e.svc.RestoreChallenge(e.ctx, p)
			if err != nil || !rc.Needs(account.RestoreCheckFace) || rc.Challenge.Value == "" {
				t.Fatalf("RestoreChallenge(high) = %+v, %v; want a face challenge", rc, err)
			}
			if !rc.Challenge.ExpiresAt.Equal(e.clock.Now().Add(account.ChallengeTTL)) {
				t.Errorf("challenge expires %v, want in %v", rc.Challenge.ExpiresAt, account.ChallengeTTL)
			}
			return rc.Challenge.Value
		}
		face, reject := photo(t, 320, 320, false), photo(t, 320, 320, true)

		_, err := e.svc.RestoreAccount(e.ctx, req("", nil))
		wantKey(t, "RestoreAccount(no photo)", err, "account.restore.face_required")

		ch := challenge(proof)
		_, err = e.svc.RestoreAccount(e.ctx, req(ch, reject))
		wantKey(t, "RestoreAccount(non-matching face)", err, "account.proofing.no_match")
		if l, _ := account.LimitOf(err); l.AttemptsLeft != account.MaxBiometricAttempts-1 {
			t.Errorf("non-match: %d attempts left, want %d", l.AttemptsLeft, account.MaxBiometricAttempts-1)
		}
		_, err = e.svc.RestoreAccount(e.ctx, req(ch, face))
		wantKey(t, "RestoreAccount(replayed challenge)", err, "account.proofing.challenge_invalid")

		ch = challenge(proof)
		e.clock.Advance(account.ChallengeTTL)
		_, err = e.svc.RestoreAccount(e.ctx, req(ch, face))
		wantKey(t, "RestoreAccount(expired challenge)", err, "account.proofing.challenge_expired")

		other := e.proof(phone(1), account.PurposeRestore)
		ch = challenge(other)
		_, err = e.svc.RestoreAccount(e.ctx, req(ch, face))
		wantKey(t, "RestoreAccount(challenge of another proof)", err, "account.proofing.challenge_invalid")

		session := pe.citizenAt(2, account.AssuranceStandard)
		_, err = e.svc.RestoreAccount(e.ctx, req(pe.challenge(session, account.PurposeProofing), face))
		wantKey(t, "RestoreAccount(a cabinet challenge)", err, "account.proofing.challenge_invalid")
		e.stillDeleted(c.Citizen.ID)
		if n := pe.bio.calls.Load(); n != 1 {
			t.Errorf("biometric service called %d times, want once (refused challenges never reach it)", n)
		}

		ch = challenge(proof)
		_, err = e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: proof, PIN: goodPIN, BirthDate: "2000-01-01", Challenge: ch, Image: face, DeviceName: "New"})
		wantKey(t, "RestoreAccount(face, wrong birth date)", err, "account.restore.identity_mismatch")
		if n := pe.bio.calls.Load(); n != 1 {
			t.Errorf("a wrong birth date reached the biometric service (%d calls)", n)
		}
		res, err := e.svc.RestoreAccount(e.ctx, req(ch, face))
		if err != nil {
			t.Fatalf("RestoreAccount(high, matching face) = %v", err)
		}
		if res.Citizen.Assurance != account.AssuranceHigh || pe.assurance(c.Citizen.ID) != account.AssuranceHigh {
			t.Errorf("level after a restore = %s, want high unchanged", pe.assurance(c.Citizen.ID))
		}
		if got := e.restoredCheck(c.Citizen.ID); got != "otp_pin_birth_face" {
			t.Errorf("audit check = %q, want otp_pin_birth_face", got)
		}
		var purposes []string
		for _, ev := range e.events(c.Citizen.ID) {
			if ev.Action == "account.proofing.attempt" {
				purposes = append(purposes, ev.Details["purpose"]+":"+ev.Details["outcome"])
				if _, ok := ev.Details["image"]; ok {
					t.Errorf("audit event holds the image")
				}
			}
		}
		if !slices.Contains(purposes, "restore:match") || !slices.Contains(purposes, "restore:no_match") {
			t.Errorf("proofing audit = %v, want restore match and no_match", purposes)
		}
	})
}

// TestRestoreCheckFaceLock: the face re-check counts on the biometric
// counter — ten attempts, then ten minutes of ELOCKED for restores too.
func TestRestoreCheckFaceLock(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		restoreFace(e)
		c := e.deletedCitizen(1, account.AssuranceHigh, "")
		proof := e.proof(phone(1), account.PurposeRestore)
		reject := photo(t, 320, 320, true)
		var err error
		for range account.MaxBiometricAttempts {
			rc, cerr := e.svc.RestoreChallenge(e.ctx, proof)
			if cerr != nil {
				t.Fatalf("RestoreChallenge = %v", cerr)
			}
			_, err = e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: proof, PIN: goodPIN, Challenge: rc.Challenge.Value, Image: reject, DeviceName: "New"})
		}
		wantKey(t, "RestoreAccount(tenth non-match)", err, "account.proofing.locked")
		_, err = e.svc.RestoreChallenge(e.ctx, proof)
		wantCode(t, "RestoreChallenge(locked)", err, digitalid.ELOCKED)
		e.stillDeleted(c.Citizen.ID)
		e.clock.Advance(account.BiometricLock)
		proof = e.proof(phone(1), account.PurposeRestore)
		rc, err := e.svc.RestoreChallenge(e.ctx, proof)
		if err != nil {
			t.Fatalf("RestoreChallenge(after lock) = %v", err)
		}
		if _, err := e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: proof, PIN: goodPIN, Challenge: rc.Challenge.Value, Image: photo(t, 320, 320, false), DeviceName: "New"}); err != nil {
			t.Fatalf("RestoreAccount(after lock) = %v", err)
		}
		if got := e.restoredCheck(c.Citizen.ID); got != "otp_pin_face" {
			t.Errorf("audit check = %q, want otp_pin_face", got)
		}
	})
}

// TestRestoreCheckHighWithoutBiometric: with no Biometric configured a
// citizen at high restores with the PIN and birth date, and the audit says
// so.
func TestRestoreCheckHighWithoutBiometric(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		c := e.deletedCitizen(1, account.AssuranceHigh, birth)
		proof := e.proof(phone(1), account.PurposeRestore)
		rc, err := e.svc.RestoreChallenge(e.ctx, proof)
		if err != nil || rc.Needs(account.RestoreCheckFace) || !rc.Needs(account.RestoreCheckBirthDate) {
			t.Fatalf("RestoreChallenge(high, no biometric) = %+v, %v", rc, err)
		}
		if _, err := e.svc.RestoreAccount(e.ctx, account.RestoreRequest{OTPProof: proof, PIN: goodPIN, BirthDate: birth, DeviceName: "New"}); err != nil {
			t.Fatalf("RestoreAccount = %v", err)
		}
		if got := e.restoredCheck(c.Citizen.ID); got != "otp_pin_birth" {
			t.Errorf("audit check = %q, want otp_pin_birth", got)
		}
	})
}
