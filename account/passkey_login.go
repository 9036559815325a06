package account

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// BeginLogin starts a usernameless sign-in. It returns the options to pass
// to navigator.credentials.get — no allowed credentials, so the
// authenticator offers the citizen's discoverable passkeys; user
// verification required — and the ceremony id to finish with (FinishLogin),
// valid for CeremonyTTL and bound to nothing else.
func (pk *Passkeys) BeginLogin(ctx context.Context) (options json.RawMessage, ceremonyID string, err error) {
	return pk.beginAssertion(ctx, CeremonyLogin, Session{}, "", nil)
}

// BeginLoginForPhone starts a sign-in for the number the citizen typed: the
// options allow that account's passkeys, so authenticators that keep
// non-discoverable ones (some security keys) can answer. A number without an
// account or without passkeys gets a made-up list of the same shape that
// never signs in, so the answer does not tell whether a number is
// registered. Returns EINVALID for a malformed number.
func (pk *Passkeys) BeginLoginForPhone(ctx context.Context, phone string) (options json.RawMessage, ceremonyID string, err error) {
	if err := checkPhone(phone); err != nil {
		return nil, "", err
	}
	recs, err := pk.store.PasskeysByPhoneKey(ctx, pk.citizens.phoneKey(phone))
	if err != nil {
		return nil, "", wrapErr("list passkeys", err)
	}
	if len(recs) == 0 {
		return pk.beginAssertion(ctx, CeremonyLogin, Session{}, "", pk.decoys(phone))
	}
	return pk.beginAssertion(ctx, CeremonyLogin, Session{}, recs[0].CitizenID, descriptors(recs))
}

// decoys are the made-up credentials offered for a number without
// passkeys, derived from the number with a secret key so that every request
// for it gets the same list, as a real account's list is the same each time.
//
// A list must not be told apart from a real one by its shape. Real lists
// hold 1 to MaxPasskeys ids, most often one or two; real ids are as long as
// their authenticator makes them, typically 16 bytes (Google Password
// Manager), 20 (iCloud Keychain), 32 (Chrome's macOS authenticator, the
// virtualwebauthn authenticator of this module's tests) or 64 (security
// keys that wrap the key into the id). So the key's output picks
// the count — one with probability 5/8, two 2/8, three 1/8 — and, for each
// id independently, one of those four lengths; the id bytes are keyed-hash
// output, as random-looking as an authenticator's. What is left is
// statistical: the mix of counts and lengths over many numbers may differ
// from the population of real accounts, but one number's answer does not
// say whether it is registered, and an id never signs in (no stored passkey
// has it). Timing is not covered here: for a known number the same begin
// call does one indexed read of the passkeys by the number's keyed hash,
// and nothing costly (the argon2id PIN check only ever runs after a device
// or a one-time code is proven).
func (pk *Passkeys) decoys(phone string) []protocol.CredentialDescriptor {
	seed := mac(pk.handleKey, "passkey_decoy", phone)
	n := 1
	switch b := seed[0] & 7; {
	case b == 7:
		n = 3
	case b >= 5:
		n = 2
	}
	out := make([]protocol.CredentialDescriptor, 0, n)
	for i := range n {
		size := decoyLengths[seed[1+i]&3]
		id := make([]byte, 0, 64)
		for j := 0; len(id) < size; j++ {
			id = append(id, mac(pk.handleKey, "passkey_decoy_id", fmt.Sprintf("%d/%d/%s", i, j, phone))...)
		}
		out = append(out, protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: id[:size]})
	}
	return out
}

// decoyLengths are the credential id lengths, in bytes, common
// authenticators make (see decoys).
var decoyLengths = [4]int{16, 20, 32, 64}

// BeginReauthentication starts a passkey check of the signed-in citizen
// before a sensitive action: the options allow the citizen's usable
// passkeys; the ceremony is bound to by. Returns ENOTFOUND
// (account.passkey.not_found) when the citizen has no usable passkey.
func (pk *Passkeys) BeginReauthentication(ctx context.Context, by Session) (options json.RawMessage, ceremonyID string, err error) {
	recs, err := pk.store.ListPasskeys(ctx, by.CitizenID)
	if err != nil {
		return nil, "", wrapErr("list passkeys", err)
	}
	recs = slices.DeleteFunc(recs, func(r PasskeyRecord) bool { return !r.DeviceBlockedAt.IsZero() })
	if len(recs) == 0 {
		return nil, "", passkeyNotFound(errors.New("no usable passkey"))
	}
	return pk.beginAssertion(ctx, CeremonyReauth, by, by.CitizenID, descriptors(recs))
}

func (pk *Passkeys) beginAssertion(ctx context.Context, kind string, by Session, citizenID string, allow []protocol.CredentialDescriptor) (json.RawMessage, string, error) {
	var opts []webauthn.LoginOption
	if len(allow) > 0 {
		opts = append(opts, webauthn.WithAllowedCredentials(allow))
	}
	assertion, sd, err := pk.wa.BeginDiscoverableLogin(opts...)
	if err != nil {
		return nil, "", fmt.Errorf("account: begin passkey assertion: %w", err)
	}
	id, err := pk.newCeremony(ctx, kind, by, citizenID, sd)
	if err != nil {
		return nil, "", err
	}
	options, err := marshalOptions(assertion.Response)
	return options, id, err
}

// FinishLogin checks the browser's response to the options of BeginLogin or
// BeginLoginForPhone and signs the citizen in: a session on the passkey's
// device, made and audited as a PIN sign-in's. A locked PIN does not stop
// it. The ceremony is used up, whatever the outcome; every outcome with a
// known passkey is audited on its citizen's chain.
//
// Returns EINVALID (account.passkey.ceremony) for an unknown, used, expired
// or other kind of ceremony; ETOOLARGE (account.passkey.too_large); and
// EUNAUTHORIZED with key account.passkey.unknown (no such passkey, or
// removed), account.passkey.blocked (its device is blocked),
// account.passkey.user_verification (the device did not verify the
// person), account.passkey.counter (the signature counter went backwards:
// a cloned key) or account.passkey.failed (anything else: a bad signature,
// origin or challenge, an inactive account).
func (pk *Passkeys) FinishLogin(ctx context.Context, ceremonyID string, response []byte, cl Client) (SignInResult, error) {
	a, err := pk.assert(ctx, ceremonyID, response, CeremonyLogin, Session{})
	by := Session{CitizenID: a.view.Citizen.ID}
	var session Session
	var token string
	if err == nil {
		var hash []byte
		session, token, hash = pk.sessions.newSession(by.CitizenID, a.view.Device.ID, pk.now())
		err = pk.use(ctx, ceremonyID, a, PasskeyUse{Session: &session, SessionHash: hash, At: session.CreatedAt})
	}
	if err != nil {
		if a.known {
			pk.sessions.record(ctx, by, "account.signin", "citizen:"+by.CitizenID, audit.Failure, cl,
				map[string]string{"method": "passkey", "passkey": a.view.Passkey.ID, "reason": reasonOf(err)})
		} else {
			pk.log.DebugContext(ctx, "passkey sign-in refused", "reason", reasonOf(err), "request", cl.RequestID)
		}
		return SignInResult{}, err
	}
	by.ID = session.ID
	pk.sessions.record(ctx, by, "account.signin", "session:"+session.ID, audit.Success, cl,
		map[string]string{"method": "passkey", "passkey": a.view.Passkey.ID, "device": session.DeviceID})
	citizen, err := pk.citizens.open(a.view.Citizen)
	if err != nil {
		return SignInResult{}, err
	}
	device, err := pk.sessions.openDevice(a.view.Device)
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Citizen: citizen, Session: session, SessionToken: token, Device: device}, nil
}

// Reauthenticate checks the browser's response to the options of
// BeginReauthentication (the same session by) and records the
// re-authentication on by (see Sessions.RequireRecentAuth). The passkey must
// be one of by's citizen's. Audited. Returns the updated session, or the
// errors of FinishLogin.
func (pk *Passkeys) Reauthenticate(ctx context.Context, by Session, ceremonyID string, response []byte, cl Client) (Session, error) {
	a, err := pk.assert(ctx, ceremonyID, response, CeremonyReauth, by)
	now := pk.now()
	if err == nil {
		err = pk.use(ctx, ceremonyID, a, PasskeyUse{ReauthSessionID: by.ID, At: now})
	}
	details := map[string]string{"method": "passkey"}
	if a.known {
		details["passkey"] = a.view.Passkey.ID
	}
	if err != nil {
		details["reason"] = reasonOf(err)
		pk.sessions.record(ctx, by, "account.reauth", "session:"+by.ID, audit.Failure, cl, details)
		return Session{}, err
	}
	pk.sessions.record(ctx, by, "account.reauth", "session:"+by.ID, audit.Success, cl, details)
	by.ReauthAt = now
	return by, nil
}

// assertion is a verified assertion, or how far a failed one got.
type assertion struct {
	view     PasskeyView // the passkey the response named, with device and citizen
	known    bool        // view holds a registered passkey
	newCount uint32      // the signature counter to store
}

// assert verifies a response to a ceremony of kind bound to by (zero for a
// sign-in), burning the ceremony if anything fails.
func (pk *Passkeys) assert(ctx context.Context, ceremonyID string, response []byte, kind string, by Session) (a assertion, err error) {
	defer func() {
		if err != nil {
			pk.burn(ctx, ceremonyID)
		}
	}()
	parsed, err := parseAssertion(response)
	if err != nil {
		return a, err
	}
	c, view, err := pk.store.PasskeyAssertion(ctx, ceremonyID, parsed.RawID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return a, unknownPasskey("no passkey has this credential id")
	}
	if err != nil {
		return a, wrapErr("read passkey", err)
	}
	a.view, a.known = view, true
	sd, err := pk.openCeremony(c, kind, by.ID)
	if err != nil {
		return a, err
	}
	p := view.Passkey
	allowed := len(sd.AllowedCredentialIDs) == 0 || slices.ContainsFunc(sd.AllowedCredentialIDs,
		func(id []byte) bool { return bytes.Equal(id, p.CredentialID) })
	switch {
	case !allowed || (c.CitizenID != "" && c.CitizenID != p.CitizenID) || (by.CitizenID != "" && by.CitizenID != p.CitizenID):
		return a, passkeyFailed(errors.New("not a passkey this ceremony allows"))
	case !p.RemovedAt.IsZero():
		return a, unknownPasskey("passkey " + p.ID + " was removed")
	case !view.Device.BlockedAt.IsZero():
		return a, blockedPasskey(view.Device.ID)
	case view.Citizen.Status != StatusActive:
		return a, passkeyFailed(errors.New("account not active"))
	case !parsed.Response.AuthenticatorData.Flags.HasUserVerified():
		return a, noUserVerification(digitalid.EUNAUTHORIZED)
	}
	cred, err := decodeCredential(p.CredentialID, p.SignCount, p.Credential)
	if err != nil {
		return a, fmt.Errorf("account: passkey %s: %w", p.ID, err)
	}
	user := passkeyUser{handle: p.UserHandle, creds: []webauthn.Credential{cred}}
	// The allow list and owner were checked above against the stored rows;
	// the library checks the user handle, challenge, origin, RP id, flags
	// and signature, and compares the counter.
	sd.UserID, sd.AllowedCredentialIDs = user.handle, nil
	got, err := pk.wa.ValidateLogin(user, sd, parsed)
	if err != nil {
		return a, passkeyFailed(err)
	}
	if got.Authenticator.CloneWarning {
		return a, passkeyCounter(p.SignCount, parsed.Response.AuthenticatorData.Counter)
	}
	a.newCount = got.Authenticator.SignCount
	return a, nil
}

// use records a verified assertion: u completed with the ceremony, the
// passkey and its counters.
func (pk *Passkeys) use(ctx context.Context, ceremonyID string, a assertion, u PasskeyUse) error {
	p := a.view.Passkey
	u.CeremonyID, u.PasskeyID, u.DeviceID, u.OldCount, u.NewCount = ceremonyID, p.ID, p.DeviceID, p.SignCount, a.newCount
	switch err := pk.store.UsePasskey(ctx, u); digitalid.ErrorCode(err) {
	case "":
		return nil
	case digitalid.ENOTFOUND:
		return badCeremony("ceremony used meanwhile")
	case digitalid.ECONFLICT:
		return passkeyFailed(fmt.Errorf("passkey removed, device blocked, counter moved or session ended meanwhile: %w", err))
	default:
		pk.burn(ctx, ceremonyID)
		return wrapErr("use passkey", err)
	}
}
