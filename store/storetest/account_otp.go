package storetest

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/store"
)

func otpRecord(id string, phoneKey []byte, p account.Purpose, at time.Time) account.OTPRecord {
	return account.OTPRecord{
		ID: id, PhoneKey: phoneKey, PhoneSealed: []byte("sealed-" + id), Purpose: p,
		CodeHash: []byte("code-" + id), CreatedAt: at, ExpiresAt: at.Add(10 * time.Minute),
	}
}

func accountOTPs(t *testing.T, db *store.DB) {
	ctx := context.Background()
	key := []byte("phone-otp")
	since := accountT0.Add(-time.Hour)

	t.Run("insert limit", func(t *testing.T) {
		for i, id := range []string{"o1", "o2", "o3"} {
			rec := otpRecord(id, key, account.PurposeSignIn, accountT0.Add(time.Duration(i)*time.Second))
			recent, ok, err := db.InsertOTP(ctx, rec, 3, since)
			if err != nil || !ok || len(recent) != i {
				t.Fatalf("InsertOTP(%s) = %v, %v, %v; want %d earlier codes and inserted", id, recent, ok, err, i)
			}
		}
		recent, ok, err := db.InsertOTP(ctx, otpRecord("o4", key, account.PurposeSignUp, accountT0.Add(time.Minute)), 3, since)
		if err != nil || ok || len(recent) != 3 || !recent[0].Equal(accountT0) {
			t.Fatalf("InsertOTP(4th, max 3) = %v, %v, %v; want the 3 codes oldest first and not inserted", recent, ok, err)
		}
		// Codes before since do not count.
		if _, ok, err := db.InsertOTP(ctx, otpRecord("o5", key, account.PurposeSignIn, accountT0.Add(2*time.Second)), 3,
			accountT0.Add(time.Second)); err != nil || !ok {
			t.Fatalf("InsertOTP(with a later since) = %v, %v; want inserted", ok, err)
		}
		_, _, err = db.InsertOTP(ctx, otpRecord("o5", []byte("other"), account.PurposeSignIn, accountT0), 3, since)
		wantErrCode(t, "InsertOTP(duplicate id)", err, digitalid.ECONFLICT)
	})

	t.Run("concurrent inserts", func(t *testing.T) {
		race := []byte("phone-race")
		var inserted atomic.Int32
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				rec := otpRecord("race"+string(rune('A'+i)), race, account.PurposeSignIn, accountT0)
				_, ok, err := db.InsertOTP(ctx, rec, 5, since)
				if err != nil {
					t.Errorf("concurrent InsertOTP = %v", err)
				}
				if ok {
					inserted.Add(1)
				}
			})
		}
		wg.Wait()
		if n := inserted.Load(); n != 5 {
			t.Errorf("40 concurrent InsertOTP with max 5 inserted %d", n)
		}
	})

	t.Run("attempts", func(t *testing.T) {
		k := []byte("phone-attempts")
		for _, id := range []string{"a-old", "a-new"} {
			at := accountT0
			if id == "a-new" {
				at = accountT0.Add(time.Second)
			}
			if _, _, err := db.InsertOTP(ctx, otpRecord(id, k, account.PurposeSignIn, at), 10, since); err != nil {
				t.Fatalf("InsertOTP(%s) = %v", id, err)
			}
		}
		_, err := db.ReserveOTPAttempt(ctx, k, account.PurposeSignUp, accountT0, 3)
		wantErrCode(t, "ReserveOTPAttempt(other purpose)", err, digitalid.ENOTFOUND)
		for i := 1; i <= 3; i++ {
			rec, err := db.ReserveOTPAttempt(ctx, k, account.PurposeSignIn, accountT0, 3)
			if err != nil || rec.ID != "a-new" || rec.Failures != i || !bytes.Equal(rec.CodeHash, []byte("code-a-new")) {
				t.Fatalf("ReserveOTPAttempt #%d = %+v, %v; want the newest code with %d failures", i, rec, err, i)
			}
		}
		_, err = db.ReserveOTPAttempt(ctx, k, account.PurposeSignIn, accountT0, 3)
		wantErrCode(t, "ReserveOTPAttempt(exhausted)", err, digitalid.ENOTFOUND)
		_, err = db.ReserveOTPAttempt(ctx, k, account.PurposeSignIn, accountT0.Add(11*time.Minute), 10)
		wantErrCode(t, "ReserveOTPAttempt(expired)", err, digitalid.ENOTFOUND)

		// Exactly max reservations succeed under concurrency.
		k2 := []byte("phone-attempts-race")
		if _, _, err := db.InsertOTP(ctx, otpRecord("a-race", k2, account.PurposeSignIn, accountT0), 10, since); err != nil {
			t.Fatalf("InsertOTP = %v", err)
		}
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if _, err := db.ReserveOTPAttempt(ctx, k2, account.PurposeSignIn, accountT0, 5); err == nil {
					ok.Add(1)
				} else if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
					t.Errorf("concurrent ReserveOTPAttempt = %v", err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 5 {
			t.Errorf("50 concurrent ReserveOTPAttempt with max 5: %d succeeded", ok.Load())
		}
	})

	t.Run("complete and proof", func(t *testing.T) {
		k := []byte("phone-proof")
		if _, _, err := db.InsertOTP(ctx, otpRecord("p1", k, account.PurposeSignUp, accountT0), 10, since); err != nil {
			t.Fatalf("InsertOTP = %v", err)
		}
		if _, err := db.ReserveOTPAttempt(ctx, k, account.PurposeSignUp, accountT0, 5); err != nil {
			t.Fatalf("ReserveOTPAttempt = %v", err)
		}
		proof, exp := []byte("proof-hash"), accountT0.Add(10*time.Minute)
		if err := db.CompleteOTP(ctx, "p1", accountT0, proof, exp); err != nil {
			t.Fatalf("CompleteOTP = %v", err)
		}
		wantErrCode(t, "CompleteOTP(again)", db.CompleteOTP(ctx, "p1", accountT0, []byte("other"), exp), digitalid.ENOTFOUND)
		_, err := db.ReserveOTPAttempt(ctx, k, account.PurposeSignUp, accountT0, 5)
		wantErrCode(t, "ReserveOTPAttempt(used code)", err, digitalid.ENOTFOUND)
		rec, err := db.OTPByProof(ctx, proof)
		if err != nil || rec.ID != "p1" || rec.Failures != 0 || !rec.UsedAt.Equal(accountT0) || !rec.ProofExpiresAt.Equal(exp) ||
			!rec.ProofUsedAt.IsZero() || string(rec.PhoneSealed) != "sealed-p1" {
			t.Fatalf("OTPByProof = %+v, %v; want p1 used at t0, no failures, proof unused", rec, err)
		}
		_, err = db.OTPByProof(ctx, []byte("unknown"))
		wantErrCode(t, "OTPByProof(unknown)", err, digitalid.ENOTFOUND)
		wantErrCode(t, "UseOTPProof(expired)", db.UseOTPProof(ctx, "p1", exp), digitalid.ENOTFOUND)
		if err := db.UseOTPProof(ctx, "p1", accountT0.Add(time.Minute)); err != nil {
			t.Fatalf("UseOTPProof = %v", err)
		}
		wantErrCode(t, "UseOTPProof(again)", db.UseOTPProof(ctx, "p1", accountT0.Add(time.Minute)), digitalid.ENOTFOUND)
	})
}
