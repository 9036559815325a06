package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/sms"
)

// Purpose is what a one-time code is for. A code or proof of one purpose is
// never accepted for another.
type Purpose string

// The purposes of one-time codes.
const (
	PurposeSignUp      Purpose = "signup"       // a new account; texted only to unregistered numbers
	PurposeSignIn      Purpose = "signin"       // sign in on a new device; texted only to active accounts
	PurposeRecovery    Purpose = "recovery"     // recover a forgotten PIN; texted only to active accounts
	PurposeRestore     Purpose = "restore"      // restore a deleted account; texted only to deleted accounts
	PurposePhoneChange Purpose = "phone_change" // confirm a new number; always texted
)

// delivery is what RequestCode does for a number.
type delivery int

const (
	deliverNothing delivery = iota // store a code nobody receives
	deliverCode                    // text the code
	deliverNotice                  // store a code nobody receives, text a notice instead
)

// deliveryFor decides, from what is registered under the number, whether the
// code is texted. known is false when no account has the number.
func (p Purpose) deliveryFor(known bool, status Status) (delivery, bool) {
	switch p {
	case PurposeSignUp:
		if known {
			return deliverNotice, true
		}
		return deliverCode, true
	case PurposeSignIn, PurposeRecovery:
		if known && status == StatusActive {
			return deliverCode, true
		}
		return deliverNothing, true
	case PurposeRestore:
		if known && status == StatusDeleted {
			return deliverCode, true
		}
		return deliverNothing, true
	case PurposePhoneChange:
		return deliverCode, true
	}
	return deliverNothing, false
}

// OTPRecord is a one-time code as stored: only its keyed hash, the number
// only as a lookup key and a ciphertext, and, once verified, the hash of the
// proof handed out for the next step.
type OTPRecord struct {
	ID             string
	PhoneKey       []byte // as CitizenRecord.PhoneKey
	PhoneSealed    []byte // AES-256-GCM(account-phone-seal, phone, AAD "otp:"+ID)
	Purpose        Purpose
	CodeHash       []byte // HMAC-SHA256(account-otp, ID and code)
	CreatedAt      time.Time
	ExpiresAt      time.Time
	Failures       int       // wrong entries of this code
	UsedAt         time.Time // when it was entered correctly
	ProofHash      []byte    // SHA-256 of the proof token, once used
	ProofExpiresAt time.Time
	ProofUsedAt    time.Time
}

// OTPStore keeps one-time codes. store.DB implements it.
type OTPStore interface {
	CounterStore
	// InsertOTP stores rec unless max or more codes (of any purpose) were
	// created for rec.PhoneKey at or after since. Counting and inserting
	// are one atomic step across instances. It returns the creation times
	// of the codes counted, oldest first, and whether rec was stored.
	InsertOTP(ctx context.Context, rec OTPRecord, max int, since time.Time) (recent []time.Time, inserted bool, err error)
	// ReserveOTPAttempt counts one entry against the newest code for
	// (phoneKey, purpose) — atomically, and only if that code is unused,
	// expires after now and has fewer than maxFailures failures — and
	// returns it with the count included. Returns ENOTFOUND otherwise.
	ReserveOTPAttempt(ctx context.Context, phoneKey []byte, purpose Purpose, now time.Time, maxFailures int) (OTPRecord, error)
	// CompleteOTP marks a code used at usedAt, takes back the entry
	// ReserveOTPAttempt counted and records the proof. Returns ENOTFOUND if
	// the code is unknown or already used.
	CompleteOTP(ctx context.Context, id string, usedAt time.Time, proofHash []byte, proofExpiresAt time.Time) error
	// OTPByProof returns the code whose proof hashes to proofHash. Returns
	// ENOTFOUND if there is none.
	OTPByProof(ctx context.Context, proofHash []byte) (OTPRecord, error)
	// UseOTPProof marks a proof used at at, if it is unused and expires
	// after at. Returns ENOTFOUND otherwise.
	UseOTPProof(ctx context.Context, id string, at time.Time) error
}

// OTPConfig tunes OTPs; zero fields take the defaults.
type OTPConfig struct {
	TTL             time.Duration // how long a code is valid (10 minutes)
	ProofTTL        time.Duration // how long a verified code's proof is valid (10 minutes)
	MaxCodeFailures int           // wrong entries per code (5)
	MaxFailures     int           // wrong entries per number and purpose in FailureWindow (10)
	FailureWindow   time.Duration // (24 hours), opening at the first wrong entry
	MaxCodes        int           // codes texted per number in CodeWindow (5)
	CodeWindow      time.Duration // (1 hour), sliding
}

func (c OTPConfig) withDefaults() OTPConfig {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.TTL, 10*time.Minute)
	def(&c.ProofTTL, 10*time.Minute)
	def(&c.FailureWindow, 24*time.Hour)
	def(&c.CodeWindow, time.Hour)
	for _, x := range []struct {
		v *int
		d int
	}{{&c.MaxCodeFailures, 5}, {&c.MaxFailures, 10}, {&c.MaxCodes, 5}} {
		if *x.v <= 0 {
			*x.v = x.d
		}
	}
	return c
}

// OTPs sends and checks one-time SMS codes: 6 digits from crypto/rand,
// stored only as an HMAC, single use, valid for TTL, at most MaxCodeFailures
// wrong entries per code and MaxFailures per number and purpose in
// FailureWindow (a new code does not reset it), at most MaxCodes codes per
// number in CodeWindow.
//
// Whether a number is registered never shows: RequestCode stores a code,
// counts it against the same limits and returns the same result for every
// number; it only texts when the purpose calls for it (for sign-in, only to
// an active account). A code nobody received can still be entered — and
// fails exactly as a wrong code does, under the same counters. To keep the
// time of the answer alike too, a request that texts nothing waits about as
// long as recent texts took (a moving average, per instance). For sign-up,
// a registered number receives a notice instead of a code.
type OTPs struct {
	store    OTPStore
	citizens *Citizens
	sms      sms.Sender
	key      []byte
	seal     sealer
	texts    texts
	now      digitalid.Clock
	log      *slog.Logger
	cfg      OTPConfig
	window   windowPolicy
	pace     *latency
}

// NewOTPs returns the one-time code service. It uses keys.OTP and
// keys.PhoneSeal. A nil clock is the system clock; a nil logger discards.
func NewOTPs(st OTPStore, citizens *Citizens, keys Keys, sender sms.Sender, clock digitalid.Clock, logger *slog.Logger, cfg OTPConfig) (*OTPs, error) {
	if st == nil || citizens == nil || sender == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: OTPs need a store, citizens and an SMS sender")
	}
	s, err := keys.sealer()
	if err != nil {
		return nil, err
	}
	t, err := loadTexts()
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &OTPs{
		store: st, citizens: citizens, sms: sender, key: keys.OTP, seal: s, texts: t,
		now: orSystemClock(clock), log: orDiscard(logger), cfg: cfg,
		window: windowPolicy{max: cfg.MaxFailures, window: cfg.FailureWindow},
		pace:   newLatency(),
	}, nil
}

// CodeRequest asks for a one-time code.
type CodeRequest struct {
	Phone   string // E.164
	Purpose Purpose
	Lang    string // language of the SMS for a number without an account (default ru)
}

// CodeSent is RequestCode's answer, the same for every number.
type CodeSent struct {
	ExpiresAt time.Time
}

// RequestCode creates a code for (phone, purpose) and texts it when the
// purpose calls for it (see OTPs). Returns EINVALID for a bad number,
// purpose or language, and ERATELIMITED (Limit with RetryAt) after MaxCodes
// codes to the number in CodeWindow. For sign-up and phone change it returns
// EUNAVAILABLE when the SMS cannot be sent; for the other purposes a failed
// SMS is logged only, as telling it would tell that the number is registered.
func (o *OTPs) RequestCode(ctx context.Context, req CodeRequest) (CodeSent, error) {
	if err := checkPhone(req.Phone); err != nil {
		return CodeSent{}, err
	}
	if req.Lang == "" {
		req.Lang = DefaultLang
	}
	if err := checkLang(req.Lang); err != nil {
		return CodeSent{}, err
	}
	c, err := o.citizens.ByPhone(ctx, req.Phone)
	known := err == nil
	if err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return CodeSent{}, err
	}
	how, ok := req.Purpose.deliveryFor(known, c.Status)
	if !ok {
		return CodeSent{}, fieldError("purpose", "account.otp.purpose", "The purpose of the code is not known.")
	}
	now := o.now()
	code := newCode()
	rec := OTPRecord{
		ID: NewID("o_"), PhoneKey: o.citizens.phoneKey(req.Phone), Purpose: req.Purpose,
		CreatedAt: now, ExpiresAt: now.Add(o.cfg.TTL),
	}
	rec.PhoneSealed = o.seal.seal(req.Phone, otpAAD(rec.ID))
	rec.CodeHash = o.codeHash(rec.ID, code)
	recent, inserted, err := o.store.InsertOTP(ctx, rec, o.cfg.MaxCodes, now.Add(-o.cfg.CodeWindow))
	if err != nil {
		return CodeSent{}, wrapErr("store code", err)
	}
	if !inserted {
		retry := now.Add(o.cfg.CodeWindow)
		if n := len(recent); n >= o.cfg.MaxCodes {
			retry = recent[n-o.cfg.MaxCodes].Add(o.cfg.CodeWindow)
		}
		return CodeSent{}, limited(digitalid.ERATELIMITED, "account.otp.too_many",
			"Too many codes were sent to this number; try again later.", retry, -1)
	}
	lang := req.Lang
	if known {
		lang = c.Lang
	}
	msg := sms.Message{To: req.Phone, ID: rec.ID}
	switch how {
	case deliverCode:
		msg.Body, msg.Purpose = o.texts.format(lang, textOTP, map[string]string{"code": code}), "otp_"+string(req.Purpose)
	case deliverNotice:
		msg.Body, msg.Purpose = o.texts.format(lang, textSignupExists, nil), "notice_"+textSignupExists
	default:
		if err := o.pace.wait(ctx); err != nil {
			return CodeSent{}, err
		}
		return CodeSent{ExpiresAt: rec.ExpiresAt}, nil
	}
	start := time.Now()
	err = o.sms.Send(ctx, msg)
	o.pace.observe(time.Since(start))
	if err != nil {
		o.log.WarnContext(ctx, "one-time code SMS not sent", "otp", rec.ID, "purpose", req.Purpose, "err", err)
		if req.Purpose == PurposeSignUp || req.Purpose == PurposePhoneChange {
			return CodeSent{}, fmt.Errorf("account: send code: %w", err)
		}
	}
	return CodeSent{ExpiresAt: rec.ExpiresAt}, nil
}

// Verify checks a code for (phone, purpose) in constant time. The entry is
// counted before it is compared. Returns the proof when the code is right;
// EINVALID when code is not 6 digits (not counted); EUNAUTHORIZED (key
// account.otp.wrong, Limit with AttemptsLeft) when it is wrong, expired,
// used, or none was requested; ELOCKED (key account.otp.locked, Limit with
// RetryAt) after MaxFailures wrong entries in the window.
func (o *OTPs) Verify(ctx context.Context, phone string, purpose Purpose, code string) (Proof, error) {
	if err := checkPhone(phone); err != nil {
		return Proof{}, err
	}
	if _, ok := purpose.deliveryFor(false, ""); !ok {
		return Proof{}, fieldError("purpose", "account.otp.purpose", "The purpose of the code is not known.")
	}
	if len(code) != 6 || !allDigits(code) {
		return Proof{}, fieldError("code", "account.otp.format", "The code is 6 digits.")
	}
	now := o.now()
	key := o.citizens.phoneKey(phone)
	subject, factor := hex.EncodeToString(key), "otp:"+string(purpose)
	var res reservation
	_, err := o.store.UpdateCounter(ctx, subject, factor, func(c *Counter) error {
		var err error
		res, err = o.window.reserve(c, now)
		return err
	})
	if le, ok := errors.AsType[lockedError](err); ok {
		return Proof{}, otpLocked(le.until)
	}
	if err != nil {
		return Proof{}, wrapErr("count code entry", err)
	}
	rec, err := o.store.ReserveOTPAttempt(ctx, key, purpose, now, o.cfg.MaxCodeFailures)
	if err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return Proof{}, wrapErr("find code", err)
	}
	if err == nil && hmac.Equal(o.codeHash(rec.ID, code), rec.CodeHash) {
		token, hash := newToken(tokenProof)
		p := Proof{Token: token, ExpiresAt: now.Add(o.cfg.ProofTTL)}
		err := o.store.CompleteOTP(ctx, rec.ID, now, hash, p.ExpiresAt)
		if err == nil {
			return p, wrapErr("reset code entries", o.store.DeleteCounter(ctx, subject, factor))
		}
		if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			return Proof{}, wrapErr("use code", err)
		}
		// Another request used the code a moment ago: this one failed.
	}
	if res.locks {
		return Proof{}, otpLocked(res.until)
	}
	left := res.left
	if err == nil {
		left = min(left, o.cfg.MaxCodeFailures-rec.Failures)
	}
	return Proof{}, limited(digitalid.EUNAUTHORIZED, "account.otp.wrong",
		"The code is wrong or has expired. Check it, or ask for a new one.", time.Time{}, max(left, 0))
}

func (o *OTPs) codeHash(id, code string) []byte { return mac(o.key, "otp", id+":"+code) }

func otpAAD(id string) string { return "otp:" + id }

// newCode returns 6 uniformly random digits.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func otpLocked(until time.Time) error {
	return limited(digitalid.ELOCKED, "account.otp.locked",
		"Too many wrong codes for this number; try again later.", until, 0)
}
