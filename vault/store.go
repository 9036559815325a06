package vault

import (
	"context"
	"time"

	"github.com/digitalid/digitalid/keys"
)

// Store keeps the vault's rows: citizens' wrapped data keys, documents,
// scans and issuer idempotency records. The store package implements it on
// SQLite and PostgreSQL. It holds no rules — who may see or change what,
// statuses, sealing — and never sees a plaintext document: every content
// column it is given is already sealed by the Service.
type Store interface {
	// CitizenKey returns the citizen's data key row. Returns ENOTFOUND if the
	// citizen has none; a shredded citizen's row has ShreddedAt set and no
	// Wrapped key.
	CitizenKey(ctx context.Context, citizenID string) (CitizenKey, error)
	// CreateCitizenKey stores k unless the citizen already has a row, and
	// returns the row stored (k, or the one that was there first, which may
	// be a shredded tombstone). Returns ENOTFOUND if the citizen does not
	// exist.
	CreateCitizenKey(ctx context.Context, k CitizenKey) (CitizenKey, error)
	// ShredCitizenKey deletes the citizen's documents, scans and idempotency
	// records and their wrapped data key, in one transaction, leaving a
	// tombstone with ShreddedAt = at (made even when the citizen never had a
	// key). Shredding a shredded citizen keeps the first time. Returns
	// ENOTFOUND if the citizen does not exist.
	ShredCitizenKey(ctx context.Context, citizenID string, at time.Time) error

	// InsertDocument stores a new document with its scans (d.Files, with
	// contents) and, when idem is not nil, the idempotency record of the
	// call that made it, in one transaction. Returns ECONFLICT if an id, the
	// (IssuerID, IssuerRef) pair or a live idempotency key is taken (an
	// expired key is replaced), and ENOTFOUND if the citizen has no data key.
	InsertDocument(ctx context.Context, d DocumentRecord, idem *IdempotencyRecord) error
	// UpdateDocument replaces the document d.ID's Version, ExpiresOn, Sealed,
	// Revision, UpdatedAt and RevokedAt if its stored Revision is still
	// prevRevision, with d.ReplaceFiles also its scans by d.Files (with
	// contents; none when empty), and stores idem as InsertDocument does. Returns
	// ECONFLICT if the revision moved on or the idempotency key is taken,
	// ENOTFOUND if the document is gone.
	UpdateDocument(ctx context.Context, d DocumentRecord, prevRevision int64, idem *IdempotencyRecord) error
	// DeleteDocument deletes a citizen's self-declared document and its
	// scans. Returns ENOTFOUND if the citizen has no such self-declared
	// document.
	DeleteDocument(ctx context.Context, citizenID, docID string) error

	// Document returns a citizen's document with Sealed and its scans'
	// metadata and sealed names (no contents). Returns ENOTFOUND if the
	// citizen has no document docID.
	Document(ctx context.Context, citizenID, docID string) (DocumentRecord, error)
	// DocumentByIssuerRef returns the document an issuer stored under ref,
	// as Document does. Returns ENOTFOUND if there is none.
	DocumentByIssuerRef(ctx context.Context, issuerID string, ref []byte) (DocumentRecord, error)
	// ListDocuments returns a citizen's documents oldest first, without
	// Sealed, with their scans' metadata. An unknown citizen has none.
	ListDocuments(ctx context.Context, citizenID string) ([]DocumentRecord, error)
	// File returns one scan of a citizen's document with its sealed content.
	// Returns ENOTFOUND unless fileID belongs to docID and docID to the
	// citizen.
	File(ctx context.Context, citizenID, docID, fileID string) (FileRecord, error)

	// Idempotency returns an issuer's idempotency record, expired or not.
	// Returns ENOTFOUND if there is none.
	Idempotency(ctx context.Context, issuerID string, keyMAC []byte) (IdempotencyRecord, error)
	// PurgeIdempotency deletes the records that expired before at and
	// returns how many.
	PurgeIdempotency(ctx context.Context, at time.Time) (int64, error)

	// CountDocuments counts all documents by type, source and status, where
	// a document is revoked when RevokedAt is set, else expired when its
	// ExpiresOn is before today (YYYY-MM-DD), else valid. Sorted by type,
	// source, status.
	CountDocuments(ctx context.Context, today string) ([]Count, error)
}

// CitizenKey is a citizen's data key as stored: wrapped by the KeyStore with
// "citizen-data-key:"+CitizenID as associated data.
type CitizenKey struct {
	CitizenID  string
	Wrapped    keys.Wrapped // zero once shredded
	CreatedAt  time.Time
	ShreddedAt time.Time // zero while the key lives
}

// DocumentRecord is a document as stored: plaintext metadata and one sealed
// content blob (fields, issuer reference, issuer signature).
type DocumentRecord struct {
	ID        string
	CitizenID string
	TypeID    string
	Version   int
	Source    Source
	IssuerID  string // "" for self-declared documents
	IssuerRef []byte // keyed MAC of the issuer's own reference; nil for self-declared
	ExpiresOn string // YYYY-MM-DD from the type's expiry field; "" when none
	Sealed    []byte // nil in ListDocuments
	Revision  int64  // 1 when created, +1 on every change
	CreatedAt time.Time
	UpdatedAt time.Time
	RevokedAt time.Time // zero unless revoked
	Files     []FileRecord
	// ReplaceFiles tells UpdateDocument to replace the stored scans with
	// Files; otherwise it leaves them as they are.
	ReplaceFiles bool
}

// FileRecord is a scan as stored. Its name and content are sealed.
type FileRecord struct {
	ID            string
	DocumentID    string
	CitizenID     string
	Seq           int // order within the document, from 0
	MediaType     string
	Size          int64 // plaintext bytes
	NameSealed    []byte
	ContentSealed []byte // nil except from Store.File
	CreatedAt     time.Time
}

// IdempotencyRecord remembers an issuer call: which request (a keyed MAC of
// everything it sent) made which document, until ExpiresAt.
type IdempotencyRecord struct {
	IssuerID   string
	KeyMAC     []byte
	RequestMAC []byte
	DocumentID string
	Created    bool // the call created the document (rather than changed it)
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Count is the number of documents of one type, source and status: all an
// operator sees of the vault.
type Count struct {
	TypeID string
	Source Source
	Status Status
	N      int64
}
