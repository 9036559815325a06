package vault

import (
	"context"
	"crypto/cipher"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/digitalid/digitalid/audit"
)

// AddSelfDeclared stores a document the citizen typed in, of the latest
// version of typeID, with up to MaxUploads scans. It is marked SourceSelf
// and never counts as proof of identity or age (Document.Confirmed is
// false). Scans are accepted only as PDF, JPEG or PNG, recognised by
// content; images are re-encoded, which strips their metadata.
//
// Returns the registry's EINVALID (or ETOOLARGE) listing every bad field,
// checkUploads' EINVALID or ETOOLARGE listing every refused file, or
// ENOTFOUND (ErrShredded for a shredded citizen) — and then stores nothing.
func (s *Service) AddSelfDeclared(ctx context.Context, citizenID, typeID string, raw json.RawMessage, files []Upload) (Document, error) {
	now := s.now()
	t, fields, err := s.validate(typeID, raw, now)
	if err != nil {
		return Document{}, err
	}
	scans, err := checkUploads(files)
	if err != nil {
		return Document{}, err
	}
	aead, err := s.citizenAEAD(ctx, citizenID, true)
	if err != nil {
		return Document{}, err
	}
	r := DocumentRecord{ID: newID(), CitizenID: citizenID, TypeID: t.id, Version: t.version, Source: SourceSelf,
		Revision: 1, CreatedAt: now, UpdatedAt: now}
	if r, _, err = sealDocument(aead, r, t, fields, "", ""); err != nil {
		return Document{}, err
	}
	names := make([]string, len(scans))
	for i, sc := range scans {
		f := FileRecord{ID: newID(), DocumentID: r.ID, CitizenID: citizenID, Seq: i, MediaType: sc.mediaType,
			Size: int64(len(sc.content)), CreatedAt: now}
		f.NameSealed = seal(aead, []byte(sc.name), fileNameAAD(f))
		f.ContentSealed = seal(aead, sc.content, fileContentAAD(f))
		r.Files = append(r.Files, f)
		names[i] = sc.name
	}
	if err := s.store.InsertDocument(ctx, r, nil); err != nil {
		return Document{}, fmt.Errorf("vault: add document: %w", s.notFound(ctx, citizenID, err))
	}
	d := r.metadata(now)
	d.Fields = fields
	for i := range d.Files {
		d.Files[i].Name = names[i]
	}
	s.log.InfoContext(ctx, "self-declared document added", "document", d, "files", len(d.Files))
	err = s.record(ctx, docEvent(audit.Actor{Type: audit.ActorCitizen, ID: citizenID}, "document.created", d,
		map[string]string{"files": strconv.Itoa(len(d.Files))}))
	return d, err
}

// validate checks raw against the latest version of typeID.
func (s *Service) validate(typeID string, raw json.RawMessage, now time.Time) (*DocType, Fields, error) {
	version := 1
	if t, ok := s.reg.Latest(typeID); ok {
		version = t.version
	}
	f, err := s.reg.Validate(typeID, version, raw, now)
	if err != nil {
		return nil, Fields{}, err
	}
	t, _ := s.reg.Type(typeID, version)
	return t, f, nil
}

// sealDocument fills r's expiry from the fields and seals its contents
// under the citizen's key, bound to r's metadata. It returns the plaintext
// too, to compare with a stored version.
func sealDocument(aead cipher.AEAD, r DocumentRecord, t *DocType, f Fields, issuerDocID, signature string) (DocumentRecord, []byte, error) {
	plain, err := encodeContent(f, issuerDocID, signature)
	if err != nil {
		return DocumentRecord{}, nil, err
	}
	r.ExpiresOn = f.Text(expiryField(t))
	r.Sealed = seal(aead, plain, documentAAD(r))
	return r, plain, nil
}
