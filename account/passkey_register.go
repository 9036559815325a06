package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// BeginRegistration starts adding a passkey for the signed-in citizen. It
// needs a re-authentication within ReauthMaxAge (sign-in counts), since a
// passkey signs in on its own. It returns the options to pass to
// navigator.credentials.create (user verification required, a discoverable
// credential preferred, no attestation, the citizen's passkeys excluded) and
// the ceremony id to finish with, valid for CeremonyTTL, bound to by.
// Returns EFORBIDDEN (ErrReauthRequired) without a recent
// re-authentication and ECONFLICT (account.passkey.limit) at MaxPasskeys.
func (pk *Passkeys) BeginRegistration(ctx context.Context, by Session) (options json.RawMessage, ceremonyID string, err error) {
	if err := pk.sessions.RequireRecentAuth(by, ReauthMaxAge); err != nil {
		return nil, "", err
	}
	citizen, err := pk.citizens.Get(ctx, by.CitizenID)
	if err != nil {
		return nil, "", err
	}
	existing, err := pk.store.ListPasskeys(ctx, by.CitizenID)
	if err != nil {
		return nil, "", wrapErr("list passkeys", err)
	}
	if len(existing) >= MaxPasskeys {
		return nil, "", passkeyLimit()
	}
	user := passkeyUser{handle: pk.userHandle(by.CitizenID), name: citizen.Phone}
	creation, sd, err := pk.wa.BeginRegistration(user, webauthn.WithExclusions(descriptors(existing)))
	if err != nil {
		return nil, "", fmt.Errorf("account: begin passkey registration: %w", err)
	}
	if ceremonyID, err = pk.newCeremony(ctx, CeremonyRegister, by, by.CitizenID, sd); err != nil {
		return nil, "", err
	}
	options, err = marshalOptions(creation.Response)
	return options, ceremonyID, err
}

// FinishRegistration checks the browser's response to the options of
// BeginRegistration (ceremonyID, the same session by) and stores the passkey,
// bound to the citizen and to by's device. An empty name takes the device's
// name. The ceremony is used up, whatever the outcome. Audited.
//
// Returns EINVALID with key account.passkey.name (bad name; the ceremony
// stays usable), account.passkey.ceremony (unknown, used, expired or another
// session's ceremony), account.passkey.user_verification (the device did not
// verify the person) or account.passkey.rejected (any other failed check);
// ETOOLARGE (account.passkey.too_large); ECONFLICT (account.passkey.exists)
// for a credential registered already. cl is recorded in the audit event.
func (pk *Passkeys) FinishRegistration(ctx context.Context, by Session, ceremonyID string, response []byte, name string, cl Client) (Passkey, error) {
	name, err := pk.passkeyName(ctx, by, name)
	if err != nil {
		return Passkey{}, err
	}
	c, err := pk.store.PasskeyCeremony(ctx, ceremonyID)
	if err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return Passkey{}, wrapErr("read passkey ceremony", err)
	}
	rec, err := pk.register(ctx, by, c, response, name)
	if err != nil {
		pk.burn(ctx, ceremonyID)
		pk.sessions.record(ctx, by, "account.passkey.added", "ceremony:"+ceremonyID, audit.Failure, cl,
			map[string]string{"reason": reasonOf(err)})
		return Passkey{}, err
	}
	pk.sessions.record(ctx, by, "account.passkey.added", "passkey:"+rec.ID, audit.Success, cl,
		map[string]string{"device": rec.DeviceID})
	return pk.open(rec)
}

// register verifies a registration response against ceremony c and stores
// the passkey.
func (pk *Passkeys) register(ctx context.Context, by Session, c PasskeyCeremony, response []byte, name string) (PasskeyRecord, error) {
	sd, err := pk.openCeremony(c, CeremonyRegister, by.ID)
	if err != nil {
		return PasskeyRecord{}, err
	}
	if c.CitizenID != by.CitizenID {
		return PasskeyRecord{}, badCeremony("ceremony of another citizen")
	}
	parsed, err := parseAttestation(response)
	if err != nil {
		return PasskeyRecord{}, err
	}
	if !parsed.Response.AttestationObject.AuthData.Flags.HasUserVerified() {
		return PasskeyRecord{}, noUserVerification(digitalid.EINVALID)
	}
	user := passkeyUser{handle: pk.userHandle(by.CitizenID)}
	cred, err := pk.wa.CreateCredential(user, sd, parsed)
	if err != nil {
		return PasskeyRecord{}, passkeyRejected(err)
	}
	blob, err := encodeCredential(cred)
	if err != nil {
		return PasskeyRecord{}, err
	}
	id := NewID("pk_")
	rec := PasskeyRecord{
		ID: id, CitizenID: by.CitizenID, DeviceID: by.DeviceID, CredentialID: cred.ID, UserHandle: user.handle,
		Credential: blob, NameSealed: pk.seal.seal(name, passkeyAAD(id)), SignCount: cred.Authenticator.SignCount,
		CreatedAt: pk.now(),
	}
	switch err := pk.store.AddPasskey(ctx, c.ID, rec); digitalid.ErrorCode(err) {
	case "":
		return rec, nil
	case digitalid.ENOTFOUND:
		return PasskeyRecord{}, badCeremony("ceremony used meanwhile, or the device is blocked")
	case digitalid.ECONFLICT:
		return PasskeyRecord{}, passkeyExists(err)
	default:
		return PasskeyRecord{}, wrapErr("add passkey", err)
	}
}

// passkeyName checks a chosen name; an empty one takes the name of by's
// device.
func (pk *Passkeys) passkeyName(ctx context.Context, by Session, name string) (string, error) {
	if name != "" {
		return checkPasskeyName(name)
	}
	d, err := pk.sessions.Device(ctx, by.DeviceID)
	if err != nil {
		return "", err
	}
	return d.Name, nil
}

// descriptors lists passkeys for a ceremony's exclude or allow list.
func descriptors(recs []PasskeyRecord) []protocol.CredentialDescriptor {
	out := make([]protocol.CredentialDescriptor, 0, len(recs))
	for _, r := range recs {
		out = append(out, protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: r.CredentialID})
	}
	return out
}

// reasonOf names a failure for the audit log: the last part of its key.
func reasonOf(err error) string {
	var de *digitalid.Error
	if !errors.As(err, &de) || de.Key == "" {
		return "error"
	}
	return strings.TrimPrefix(strings.TrimPrefix(de.Key, "account.passkey."), "account.")
}
