package present

import (
	"context"
	"time"
)

// Store keeps verifiers, their staff sessions and the online handles.
// store.DB implements it.
type Store interface {
	// CreateVerifier inserts a verifier with the keyed hash of its secret.
	// Returns ECONFLICT if the id exists.
	CreateVerifier(ctx context.Context, v Verifier, secretHash []byte) error
	// Verifier returns a verifier and its secret hash. Returns ENOTFOUND
	// if there is none.
	Verifier(ctx context.Context, id string) (Verifier, []byte, error)
	// Verifiers returns every verifier, oldest first.
	Verifiers(ctx context.Context) ([]Verifier, error)
	// DisableVerifier marks the verifier disabled at at (keeping the first
	// time) and deletes its staff sessions. Returns ENOTFOUND if there is
	// none.
	DisableVerifier(ctx context.Context, id string, at time.Time) error
	// SetVerifierSecret replaces the secret hash, records at as the
	// rotation time and deletes the verifier's staff sessions. Returns
	// ENOTFOUND if there is none.
	SetVerifierSecret(ctx context.Context, id string, secretHash []byte, at time.Time) error

	// CreateVerifierSession stores a staff session under the hash of its
	// token. Returns ENOTFOUND if the verifier does not exist.
	CreateVerifierSession(ctx context.Context, s VerifierSession) error
	// VerifierSession returns the session whose token hash is hash and
	// that expires after now. Returns ENOTFOUND otherwise.
	VerifierSession(ctx context.Context, hash []byte, now time.Time) (VerifierSession, error)
	// DeleteVerifierSession deletes a session; none is not an error.
	DeleteVerifierSession(ctx context.Context, hash []byte) error

	// CreateHandle stores an online handle under its hash. Returns
	// ECONFLICT if the hash or id is taken, ENOTFOUND if the citizen does
	// not exist.
	CreateHandle(ctx context.Context, h Handle) error
	// RedeemHandle marks the handle whose hash is hash used by verifierID
	// at now, if it is unused and expires after now, in one conditional
	// write: of any number of concurrent calls on any instances exactly one
	// gets redeemed true. Otherwise it returns the handle as stored (UsedAt
	// or ExpiresAt tell why) and false. Returns ENOTFOUND if there is none.
	RedeemHandle(ctx context.Context, hash []byte, verifierID string, now time.Time) (Handle, bool, error)
	// PurgePresent deletes handles that expired before before and staff
	// sessions that expired before now.
	PurgePresent(ctx context.Context, now, before time.Time) (int64, error)

	// PortraitStore keeps the portrait links of online checks.
	PortraitStore
}

// VerifierSession is a scanner-staff sign-in; the token itself is only in
// the browser's cookie.
type VerifierSession struct {
	TokenHash  []byte
	VerifierID string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Handle is an online presentation: the QR's random handle (kept only as
// Hash) bound to the citizen, the session and device that showed it, and
// the purpose.
type Handle struct {
	Hash      []byte
	ID        string // opaque, for the audit log
	CitizenID string
	SessionID string
	DeviceID  string
	Purpose   string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while unused
	UsedBy    string    // verifier id
}
