package account

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
)

// Proof is what a correct code gives: a single-use token, valid for
// ProofTTL, that the next step (SignUp, SignInWithPIN, ...) redeems in place
// of the code. The HTTP layer keeps it between steps (a short-lived cookie)
// and never logs it.
type Proof struct {
	Token     string
	ExpiresAt time.Time
}

// UseProof redeems a proof of purpose and returns the number it proves. It
// is for the flows of other packages (phone change, recovery); sign-up and
// sign-in redeem theirs themselves. Returns EUNAUTHORIZED (key
// account.otp.proof) for a proof that is malformed, unknown, of another
// purpose, expired or already used.
func (o *OTPs) UseProof(ctx context.Context, token string, purpose Purpose) (string, error) {
	rec, phone, err := o.checkProof(ctx, token, purpose)
	if err != nil {
		return "", err
	}
	return phone, o.useProof(ctx, rec)
}

// checkProof finds a live proof of purpose without using it up.
func (o *OTPs) checkProof(ctx context.Context, token string, purpose Purpose) (OTPRecord, string, error) {
	hash, ok := parseToken(tokenProof, token)
	if !ok {
		return OTPRecord{}, "", badProof(nil)
	}
	rec, err := o.store.OTPByProof(ctx, hash)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return OTPRecord{}, "", badProof(err)
	}
	if err != nil {
		return OTPRecord{}, "", wrapErr("find proof", err)
	}
	if rec.Purpose != purpose || !rec.ProofUsedAt.IsZero() || !o.now().Before(rec.ProofExpiresAt) {
		return OTPRecord{}, "", badProof(nil)
	}
	phone, err := o.seal.open(rec.PhoneSealed, otpAAD(rec.ID))
	if err != nil {
		return OTPRecord{}, "", fmt.Errorf("account: code %s: %w", rec.ID, err)
	}
	return rec, phone, nil
}

// useProof marks a checked proof used; only one of concurrent callers wins.
func (o *OTPs) useProof(ctx context.Context, rec OTPRecord) error {
	err := o.store.UseOTPProof(ctx, rec.ID, o.now())
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return badProof(err)
	}
	return wrapErr("use proof", err)
}

func badProof(cause error) error {
	return userError(digitalid.EUNAUTHORIZED, "account.otp.proof",
		"The confirmation has expired or was already used; ask for a new code.", cause)
}
