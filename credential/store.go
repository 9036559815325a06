package credential

import (
	"context"
	"time"
)

// Store keeps the status lists and, for each allocated index, whose
// credential it is. The store package implements it on SQLite and
// PostgreSQL. It holds no rules: which list is current, how indexes are
// drawn and when an entry is revoked are the Service's.
type Store interface {
	// CreateStatusList stores a new list. Returns ECONFLICT if its id is
	// taken (another instance made it first).
	CreateStatusList(ctx context.Context, l StatusList) error
	// StatusList returns a list. Returns ENOTFOUND if there is none.
	StatusList(ctx context.Context, id int64) (StatusList, error)
	// LatestStatusList returns the list with the greatest id. Returns
	// ENOTFOUND if there is none.
	LatestStatusList(ctx context.Context) (StatusList, error)
	// InsertStatusEntries stores the entries whose (ListID, Idx) is free,
	// in one transaction, and adds their number to each list's Allocated.
	// taken[i] reports that entries[i] was not stored because its index
	// was taken. Returns ENOTFOUND if a list does not exist.
	InsertStatusEntries(ctx context.Context, entries []StatusEntry) (taken []bool, err error)
	// RevokeStatusEntries sets RevokedAt = at on the unrevoked entries that
	// match f and adds one to the Revision of every list it changed, in one
	// transaction. Returns how many entries it revoked.
	RevokeStatusEntries(ctx context.Context, f RevokeFilter, at time.Time) (int64, error)
	// RevokeBlocked revokes, as RevokeStatusEntries, the unrevoked entries
	// not expired at at whose device is blocked or whose citizen's account
	// is not active (or gone), and returns how many: the sweep that catches a block or a
	// deletion whatever path made it.
	RevokeBlocked(ctx context.Context, at time.Time) (int64, error)
	// CountLive counts the device's entries of type t that are neither
	// revoked nor expired at now.
	CountLive(ctx context.Context, deviceID, t string, now time.Time) (int, error)
	// RevokedIndexes returns the revoked indexes of a list, ascending.
	RevokedIndexes(ctx context.Context, listID int64) ([]int, error)
}

// StatusList is a status list as stored. Its bits are not stored: they are
// the revoked entries.
type StatusList struct {
	ID        int64 // from 1; the {list} of /status/{list}
	Bits      int   // 1
	Size      int   // entries
	Allocated int   // entries handed out
	Revision  int64 // +1 on every revocation in it
	CreatedAt time.Time
	UpdatedAt time.Time
}

// StatusEntry is one allocated index: whose credential holds it. The
// credential itself is never stored.
type StatusEntry struct {
	ListID      int64
	Idx         int
	CitizenID   string
	DeviceID    string
	SourceDocID string
	Type        string
	IssuedAt    time.Time
	ExpiresAt   time.Time // the credential's exp
	ValidUntil  time.Time // the attestation's; zero when unbounded
	RevokedAt   time.Time // zero unless revoked
}

// RevokeFilter selects entries to revoke. Set fields must all match; at
// least one must be set. ValidBefore matches entries whose ValidUntil is
// set and not after it.
type RevokeFilter struct {
	CitizenID   string
	DeviceID    string
	SourceDocID string
	ValidBefore time.Time
}

// Empty reports whether f selects nothing in particular.
func (f RevokeFilter) Empty() bool {
	return f.CitizenID == "" && f.DeviceID == "" && f.SourceDocID == "" && f.ValidBefore.IsZero()
}
