package account

import (
	"context"
	"errors"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// ReauthMaxAge is how old the last PIN or passkey check of a session may be
// for a sensitive action (RequireRecentAuth).
const ReauthMaxAge = 5 * time.Minute

// SignInResult is what sign-up and sign-in hand the client, once: the
// session's token, and the device token when a new device was registered.
type SignInResult struct {
	Citizen      Citizen
	Session      Session
	SessionToken string // cookie or bearer token; only its hash is stored
	Device       Device
	DeviceToken  string // set only for a new device: keep it on the device
}

// SignUpRequest completes a sign-up: the proof of a verified sign-up code,
// the chosen PIN and the name of this first device.
type SignUpRequest struct {
	OTPProof   string // from OTPs.Verify(phone, PurposeSignUp, code)
	PIN        string
	Lang       string // ru, kk or en (default ru)
	DeviceName string
	Client     Client
}

// SignUp creates an account at assurance basic for the number the proof
// confirms, with its PIN, this device and a session, all at once. Returns
// EINVALID for a refused PIN (naming the reason), language or device name —
// the proof stays usable then; EUNAUTHORIZED (account.otp.proof) for a bad,
// expired or used proof; ECONFLICT (account.signup.exists) when the number
// was registered meanwhile.
func (s *Service) SignUp(ctx context.Context, req SignUpRequest) (SignInResult, error) {
	if err := CheckPIN(req.PIN); err != nil {
		return SignInResult{}, err
	}
	if _, err := checkDeviceName(req.DeviceName); err != nil {
		return SignInResult{}, err
	}
	proof, phone, err := s.OTPs.checkProof(ctx, req.OTPProof, PurposeSignUp)
	if err != nil {
		return SignInResult{}, err
	}
	now := s.now()
	citizen, err := s.Citizens.newRecord(phone, req.Lang, now)
	if err != nil {
		return SignInResult{}, err
	}
	pin, err := s.PINs.record(ctx, citizen.ID, req.PIN)
	if err != nil {
		return SignInResult{}, err
	}
	device, deviceToken, err := s.Sessions.newDevice(citizen.ID, req.DeviceName, now)
	if err != nil {
		return SignInResult{}, err
	}
	session, token, hash := s.Sessions.newSession(citizen.ID, device.ID, now)
	if err := s.OTPs.useProof(ctx, proof); err != nil {
		return SignInResult{}, err
	}
	err = s.store.CreateAccount(ctx, NewAccount{Citizen: citizen, PIN: pin, Device: device, Session: session, SessionHash: hash})
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		return SignInResult{}, userError(digitalid.ECONFLICT, "account.signup.exists",
			"This number already has an account; sign in instead.", err)
	}
	if err != nil {
		return SignInResult{}, wrapErr("create account", err)
	}
	by := Session{ID: session.ID, CitizenID: citizen.ID}
	s.Sessions.record(ctx, by, "account.signup", "citizen:"+citizen.ID, audit.Success, req.Client,
		map[string]string{"device": device.ID})
	return s.result(citizen, session, token, device, deviceToken)
}

// SignInRequest signs in with a PIN and something the citizen has: a
// registered device (DeviceToken) or, on a new device, the proof of a
// verified sign-in code (OTPProof). Exactly one of the two must be set: a
// PIN alone never signs in.
type SignInRequest struct {
	Phone       string // optional; when set it must be the account's number
	PIN         string
	DeviceToken string // from an earlier sign-in on this device, or
	OTPProof    string // from OTPs.Verify(phone, PurposeSignIn, code)
	DeviceName  string // name of the new device (with OTPProof)
	Client      Client
}

// SignInWithPIN signs a citizen in and starts a session. With OTPProof it
// registers a new device (its token is in the result, and the citizen is
// notified of the new device by inbox and SMS); with DeviceToken it uses
// that device. The PIN is checked, and its attempt counted, only once the
// device or proof is accepted, so someone who knows only a phone number
// cannot lock its owner's PIN. Every outcome with a known citizen is
// audited.
//
// Returns EINVALID when neither or both of DeviceToken and OTPProof are set
// or the device name is bad; EUNAUTHORIZED with key account.device.unknown
// (unknown or blocked device token: sign in with an SMS code),
// account.otp.proof (bad, expired or used proof), account.signin.failed
// (Phone does not match, or the account is not active) or account.pin.wrong
// (Limit with AttemptsLeft); ELOCKED with key account.pin.locked (Limit with
// RetryAt).
func (s *Service) SignInWithPIN(ctx context.Context, req SignInRequest) (SignInResult, error) {
	if (req.DeviceToken == "") == (req.OTPProof == "") {
		return SignInResult{}, fieldError("device_token", "account.signin.factor",
			"Sign in with your PIN on a registered device, or with your PIN and a code sent by SMS.")
	}
	method := "pin_device"
	var device DeviceRecord
	var proof OTPRecord
	var citizen Citizen
	var err error
	if req.DeviceToken != "" {
		if device, err = s.Sessions.deviceByToken(ctx, req.DeviceToken); err != nil {
			return SignInResult{}, err
		}
		citizen, err = s.Citizens.Get(ctx, device.CitizenID)
	} else {
		method = "pin_otp"
		if _, err := checkDeviceName(req.DeviceName); err != nil {
			return SignInResult{}, err
		}
		var phone string
		if proof, phone, err = s.OTPs.checkProof(ctx, req.OTPProof, PurposeSignIn); err != nil {
			return SignInResult{}, err
		}
		citizen, err = s.Citizens.ByPhone(ctx, phone)
	}
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return SignInResult{}, signInFailed(err)
	}
	if err != nil {
		return SignInResult{}, err
	}
	by := Session{CitizenID: citizen.ID}
	fail := func(reason string, err error) (SignInResult, error) {
		r := audit.Failure
		if digitalid.ErrorCode(err) == digitalid.ELOCKED {
			r = audit.Denied
		}
		s.Sessions.record(ctx, by, "account.signin", "citizen:"+citizen.ID, r, req.Client,
			map[string]string{"method": method, "reason": reason})
		return SignInResult{}, err
	}
	if (req.Phone != "" && req.Phone != citizen.Phone) || citizen.Status != StatusActive {
		return fail("account", signInFailed(nil))
	}
	if err := s.PINs.Verify(ctx, citizen.ID, req.PIN, req.Client); err != nil {
		return fail("pin", err)
	}
	now := s.now()
	var deviceToken string
	if proof.ID != "" {
		if err := s.OTPs.useProof(ctx, proof); err != nil {
			return fail("proof", err)
		}
		if device, deviceToken, err = s.Sessions.newDevice(citizen.ID, req.DeviceName, now); err != nil {
			return SignInResult{}, err
		}
		if err := s.store.CreateDevice(ctx, device); err != nil {
			return SignInResult{}, wrapErr("create device", err)
		}
	}
	session, token, err := s.Sessions.start(ctx, citizen.ID, device.ID, now)
	if err != nil {
		return SignInResult{}, err
	}
	by.ID = session.ID
	s.Sessions.record(ctx, by, "account.signin", "session:"+session.ID, audit.Success, req.Client,
		map[string]string{"method": method, "device": device.ID})
	if deviceToken != "" {
		if _, err := s.Notifications.Add(ctx, citizen.ID, KindNewDevice, map[string]string{"device": device.ID}); err != nil {
			s.log.ErrorContext(ctx, "notification of new device failed", "citizen", citizen.ID, "err", err)
		}
	}
	d, err := s.Sessions.openDevice(device)
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Citizen: citizen, Session: session, SessionToken: token, Device: d, DeviceToken: deviceToken}, nil
}

// result assembles a sign-up's answer.
func (s *Service) result(rec CitizenRecord, session Session, token string, device DeviceRecord, deviceToken string) (SignInResult, error) {
	c, err := s.Citizens.open(rec)
	if err != nil {
		return SignInResult{}, err
	}
	d, err := s.Sessions.openDevice(device)
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Citizen: c, Session: session, SessionToken: token, Device: d, DeviceToken: deviceToken}, nil
}

// ReauthenticateWithPIN checks the PIN of the session's citizen and, if it
// is right, records the re-authentication on the session (see
// RequireRecentAuth). Audited. Returns the updated session; the errors of
// PINs.Verify; ENOTFOUND if the session has ended.
func (s *Service) ReauthenticateWithPIN(ctx context.Context, by Session, pin string, c Client) (Session, error) {
	if err := s.PINs.Verify(ctx, by.CitizenID, pin, c); err != nil {
		r := audit.Failure
		if digitalid.ErrorCode(err) == digitalid.ELOCKED {
			r = audit.Denied
		}
		s.Sessions.record(ctx, by, "account.reauth", "session:"+by.ID, r, c, map[string]string{"method": "pin"})
		return Session{}, err
	}
	out, err := s.Sessions.MarkReauthenticated(ctx, by)
	if err != nil {
		return Session{}, err
	}
	s.Sessions.record(ctx, by, "account.reauth", "session:"+by.ID, audit.Success, c, map[string]string{"method": "pin"})
	return out, nil
}

// ChangePIN sets a new PIN for the session's citizen. It needs a
// re-authentication within ReauthMaxAge. Audited. Returns EFORBIDDEN
// (ErrReauthRequired) without one, and EINVALID for a refused PIN.
func (s *Service) ChangePIN(ctx context.Context, by Session, pin string, c Client) error {
	if err := s.Sessions.RequireRecentAuth(by, ReauthMaxAge); err != nil {
		return err
	}
	if err := s.PINs.Set(ctx, by.CitizenID, pin); err != nil {
		return err
	}
	s.Sessions.record(ctx, by, "account.pin.changed", "pin", audit.Success, c, nil)
	return nil
}

func signInFailed(cause error) error {
	if cause == nil {
		cause = errors.New("phone does not match or account not active")
	}
	return userError(digitalid.EUNAUTHORIZED, "account.signin.failed",
		"Sign-in failed. Check the number, or sign in with a code sent by SMS.", cause)
}
