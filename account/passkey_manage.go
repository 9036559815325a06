package account

import (
	"context"
	"fmt"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// List returns the citizen's passkeys, oldest first. Those of a blocked
// device are listed (Passkey.Blocked) so the citizen can remove them.
func (pk *Passkeys) List(ctx context.Context, citizenID string) ([]Passkey, error) {
	recs, err := pk.store.ListPasskeys(ctx, citizenID)
	if err != nil {
		return nil, wrapErr("list passkeys", err)
	}
	out := make([]Passkey, 0, len(recs))
	for _, r := range recs {
		p, err := pk.open(r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Rename renames one of the signed-in citizen's passkeys. Audited. Returns
// EINVALID (account.passkey.name) for a bad name and ENOTFOUND
// (account.passkey.not_found) if the citizen has no such passkey.
func (pk *Passkeys) Rename(ctx context.Context, by Session, id, name string, cl Client) error {
	name, err := checkPasskeyName(name)
	if err != nil {
		return err
	}
	if err := pk.store.RenamePasskey(ctx, by.CitizenID, id, pk.seal.seal(name, passkeyAAD(id))); err != nil {
		return pk.notFound("rename passkey", err)
	}
	pk.sessions.record(ctx, by, "account.passkey.renamed", "passkey:"+id, audit.Success, cl, nil)
	return nil
}

// Remove removes one of the signed-in citizen's passkeys: from that instant
// it signs nothing in. Like other changes to how the citizen signs in, it
// needs a re-authentication within ReauthMaxAge. Audited. Returns EFORBIDDEN
// (ErrReauthRequired) without one and ENOTFOUND (account.passkey.not_found)
// if the citizen has no such passkey.
func (pk *Passkeys) Remove(ctx context.Context, by Session, id string, cl Client) error {
	if err := pk.sessions.RequireRecentAuth(by, ReauthMaxAge); err != nil {
		return err
	}
	if err := pk.store.RemovePasskey(ctx, by.CitizenID, id, pk.now()); err != nil {
		return pk.notFound("remove passkey", err)
	}
	pk.sessions.record(ctx, by, "account.passkey.removed", "passkey:"+id, audit.Success, cl, nil)
	return nil
}

// notFound gives ENOTFOUND its passkey key and wraps anything else.
func (pk *Passkeys) notFound(what string, err error) error {
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return passkeyNotFound(err)
	}
	return wrapErr(what, err)
}

// open turns a stored passkey into a Passkey.
func (pk *Passkeys) open(r PasskeyRecord) (Passkey, error) {
	name, err := pk.seal.open(r.NameSealed, passkeyAAD(r.ID))
	if err != nil {
		return Passkey{}, fmt.Errorf("account: passkey %s name: %w", r.ID, err)
	}
	cred, err := decodeCredential(r.CredentialID, r.SignCount, r.Credential)
	if err != nil {
		return Passkey{}, fmt.Errorf("account: passkey %s: %w", r.ID, err)
	}
	return Passkey{
		ID: r.ID, CitizenID: r.CitizenID, DeviceID: r.DeviceID, Name: name, Synced: cred.Flags.BackupEligible,
		CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, DeviceBlockedAt: r.DeviceBlockedAt,
	}, nil
}
