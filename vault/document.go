package vault

import (
	"fmt"
	"log/slog"
	"time"
)

// Source says where a document came from.
type Source string

// Sources of documents.
const (
	SourceIssuer Source = "issuer" // pushed and signed by an authority
	SourceSelf   Source = "self"   // typed in by the citizen; proves nothing
)

// Status is a document's standing at a moment.
type Status string

// Statuses of a document. Expired is computed from the type's expiry field
// (expiry_date, valid_until) at the moment of the read.
const (
	StatusValid   Status = "valid"
	StatusExpired Status = "expired"
	StatusRevoked Status = "revoked"
)

// Document is one of a citizen's documents. List fills the metadata only;
// Fields, IssuerDocID, IssuerSignature and file names are filled only by an
// explicit read of the contents (Get, ReadForParty, UpsertFromIssuer).
type Document struct {
	ID        string
	CitizenID string
	TypeID    string
	Version   int
	Source    Source
	IssuerID  string // "" for self-declared documents
	// IssuerDocID is the issuer's own reference for the document, unique per
	// issuer. It may be a document number, so it is stored sealed.
	IssuerDocID string
	Status      Status
	ExpiresOn   time.Time // the expiry date (midnight UTC); zero when the type has none or it is empty
	Fields      Fields
	// IssuerSignature is the issuer's JWS over the document as they sent
	// it, kept verbatim for export and re-verification.
	IssuerSignature string
	Files           []FileInfo
	CreatedAt       time.Time
	UpdatedAt       time.Time
	RevokedAt       time.Time // zero unless revoked
}

// Confirmed reports whether the document counts as proof: issued by an
// authority and valid now. A self-declared document never does.
func (d Document) Confirmed() bool { return d.Source == SourceIssuer && d.Status == StatusValid }

// LogValue logs the metadata only, never the contents.
func (d Document) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", d.ID), slog.String("citizen", d.CitizenID),
		slog.String("type", d.TypeID), slog.String("source", string(d.Source)), slog.String("status", string(d.Status)))
}

// String hides the contents from %v.
func (d Document) String() string {
	return fmt.Sprintf("vault.Document{%s %s %s %s}", d.ID, d.TypeID, d.Source, d.Status)
}

// GoString is String for %#v.
func (d Document) GoString() string { return d.String() }

// FileInfo describes a scan attached to a document. Name is filled only by
// Get and File: it is stored sealed, since citizens name files after people.
type FileInfo struct {
	ID        string
	Name      string
	MediaType string // application/pdf, image/jpeg or image/png
	Size      int64
	CreatedAt time.Time
}

// File is a scan with its content (metadata stripped at upload).
type File struct {
	FileInfo
	Content []byte
}

// statusAt computes a document's status at now. A document is expired from
// the moment its expiry date has passed anywhere on Earth (see latestToday),
// the rule Store.CountDocuments applies too.
func statusAt(revokedAt time.Time, expiresOn string, now time.Time) Status {
	switch {
	case !revokedAt.IsZero():
		return StatusRevoked
	case expiresOn != "" && expiresOn < todayString(now):
		return StatusExpired
	}
	return StatusValid
}

// todayString is latestToday as YYYY-MM-DD, comparable with stored dates.
func todayString(now time.Time) string { return latestToday(now).Format(time.DateOnly) }

// expiryField returns the name of the type's expiry field — the date that
// may lie ahead (expiry_date, valid_until) — or "" when it has none.
func expiryField(t *DocType) string {
	for _, f := range t.fields {
		if f.Kind == KindDate && f.Future {
			return f.Name
		}
	}
	return ""
}

// metadata converts a stored record into a Document without its contents.
func (r DocumentRecord) metadata(now time.Time) Document {
	d := Document{
		ID: r.ID, CitizenID: r.CitizenID, TypeID: r.TypeID, Version: r.Version, Source: r.Source,
		IssuerID: r.IssuerID, Status: statusAt(r.RevokedAt, r.ExpiresOn, now),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, RevokedAt: r.RevokedAt,
	}
	if r.ExpiresOn != "" {
		d.ExpiresOn, _ = time.Parse(time.DateOnly, r.ExpiresOn)
	}
	for _, f := range r.Files {
		d.Files = append(d.Files, FileInfo{ID: f.ID, MediaType: f.MediaType, Size: f.Size, CreatedAt: f.CreatedAt})
	}
	return d
}
