package vault

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// writeAttempts bounds how often an issuer write is retried when another
// instance changed the same document or key at the same moment.
const writeAttempts = 4

// issuerCall is one UpsertFromIssuer call after its shape was checked.
type issuerCall struct {
	issuerID, citizenID, issuerDocID, signature string
	ref                                         []byte
	idem                                        *IdempotencyRecord // nil without an idempotency key
	photo                                       *scan              // the accepted portrait; nil without one
}

// UpsertFromIssuer stores the document an issuer sent for a citizen under
// the issuer's own reference issuerDocID: a new document the first time
// (created is true), a new content for the same reference later. The
// signature is the issuer's compact JWS over the document as sent; the
// issuer API has verified it, the vault keeps it verbatim.
//
// With an idempotency key, a repeated call with the same key and the same
// request returns the first call's document and created flag without
// changing anything, and the same key with another request is ECONFLICT,
// for DefaultIdempotencyTTL.
//
// Errors: EINVALID (the registry's field errors, or a malformed id,
// reference, signature or key); ECONFLICT when the reference belongs to
// another citizen's document or another type, or its document is revoked;
// ENOTFOUND for an unknown (or shredded) citizen. Nothing is stored then.
func (s *Service) UpsertFromIssuer(ctx context.Context, issuerID, citizenID, typeID string, raw json.RawMessage,
	signature, issuerDocID, idempotencyKey string) (d Document, created bool, err error) {
	return s.UpsertFromIssuerWith(ctx, issuerID, citizenID, typeID, raw, signature, issuerDocID, idempotencyKey, IssuerOptions{})
}

// UpsertFromIssuerWith is UpsertFromIssuer with the optional parts of the
// document: a passport's portrait photo (see IssuerOptions), which is part
// of the request an idempotency key stands for. A refused photo is
// EINVALID or ETOOLARGE with a field error on "photo"; nothing is stored.
// When the document was stored but auditing it failed, it is returned
// with the error, so that a caller can tell "stored" from "refused" (a
// retry under the same idempotency key replays it).
func (s *Service) UpsertFromIssuerWith(ctx context.Context, issuerID, citizenID, typeID string, raw json.RawMessage,
	signature, issuerDocID, idempotencyKey string, opt IssuerOptions) (d Document, created bool, err error) {
	if err := checkIssuerCall(issuerID, citizenID, issuerDocID, signature, idempotencyKey); err != nil {
		return Document{}, false, err
	}
	in := issuerCall{issuerID: issuerID, citizenID: citizenID, issuerDocID: issuerDocID, signature: signature,
		ref: s.index.mac("issuer-ref", issuerID, issuerDocID)}
	if len(opt.Photo) > 0 {
		photo, err := checkPhoto(typeID, opt.Photo)
		if err != nil {
			return Document{}, false, err
		}
		in.photo = &photo
	}
	if idempotencyKey != "" {
		parts := []string{issuerID, citizenID, typeID, string(raw), signature, issuerDocID}
		if len(opt.Photo) > 0 { // requests without a photo keep the MAC they always had
			sum := sha256.Sum256(opt.Photo)
			parts = append(parts, "photo:"+hex.EncodeToString(sum[:]))
		}
		in.idem = &IdempotencyRecord{IssuerID: issuerID, KeyMAC: s.index.mac("idempotency-key", issuerID, idempotencyKey),
			RequestMAC: s.index.mac("request", parts...)}
	}
	var t *DocType
	var fields Fields
	var aead cipher.AEAD
	for attempt := 1; ; attempt++ {
		now := s.now()
		if in.idem != nil {
			if d, created, done, err := s.replay(ctx, in, now); done {
				return d, created, err
			}
		}
		if t == nil {
			if t, fields, err = s.validate(typeID, raw, now); err != nil {
				return Document{}, false, err
			}
			if aead, err = s.citizenAEAD(ctx, citizenID, true); err != nil {
				return Document{}, false, err
			}
		}
		var changed, retry bool
		d, created, changed, retry, err = s.issuerWrite(ctx, in, aead, t, fields, now)
		if retry && attempt < writeAttempts {
			continue
		}
		if err != nil {
			return Document{}, false, fmt.Errorf("vault: issuer %s document: %w", issuerID, s.notFound(ctx, citizenID, err))
		}
		if !changed {
			return d, created, nil
		}
		action, kind := "document.updated", NotifyChanged
		if created {
			action, kind = "document.created", NotifyAdded
		}
		s.log.InfoContext(ctx, "issuer document stored", "document", d, "issuer", issuerID, "created", created)
		if err := s.record(ctx, docEvent(audit.Actor{Type: audit.ActorIssuer, ID: issuerID}, action, d, nil)); err != nil {
			return d, created, err // stored: see the doc comment
		}
		s.notify(ctx, d, kind)
		return d, created, nil
	}
}

// replay answers a call whose idempotency key is already recorded: done is
// false when it is not (or has expired) and the call must be carried out.
func (s *Service) replay(ctx context.Context, in issuerCall, now time.Time) (d Document, created, done bool, err error) {
	rec, err := s.store.Idempotency(ctx, in.issuerID, in.idem.KeyMAC)
	switch {
	case digitalid.ErrorCode(err) == digitalid.ENOTFOUND:
		return Document{}, false, false, nil
	case err != nil:
		return Document{}, false, true, fmt.Errorf("vault: idempotency key: %w", err)
	case !now.Before(rec.ExpiresAt):
		return Document{}, false, false, nil
	case !hmac.Equal(rec.RequestMAC, in.idem.RequestMAC):
		return Document{}, false, true, &digitalid.Error{Code: digitalid.ECONFLICT, Key: "vault.error.idempotency_key",
			Message: "This idempotency key was used for another request."}
	}
	r, err := s.store.Document(ctx, in.citizenID, rec.DocumentID)
	if err != nil {
		return Document{}, false, true, fmt.Errorf("vault: replay: %w", s.notFound(ctx, in.citizenID, err))
	}
	d, err = s.open(ctx, r)
	return d, rec.Created, true, err
}

// issuerWrite inserts or updates the document under in.ref. changed is
// false when an update brought nothing new; retry is true when another
// writer got in between and the call should start over.
func (s *Service) issuerWrite(ctx context.Context, in issuerCall, aead cipher.AEAD, t *DocType, fields Fields, now time.Time) (d Document, created, changed, retry bool, err error) {
	old, err := s.store.DocumentByIssuerRef(ctx, in.issuerID, in.ref)
	created = digitalid.ErrorCode(err) == digitalid.ENOTFOUND
	if err != nil && !created {
		return Document{}, false, false, false, err
	}
	if idem := in.idem; idem != nil {
		idem.Created, idem.CreatedAt, idem.ExpiresAt = created, now, now.Add(s.idemTTL)
	}
	var r DocumentRecord
	if created {
		r = DocumentRecord{ID: newID(), CitizenID: in.citizenID, TypeID: t.id, Version: t.version, Source: SourceIssuer,
			IssuerID: in.issuerID, IssuerRef: in.ref, Revision: 1, CreatedAt: now, UpdatedAt: now}
		if r, _, err = sealDocument(aead, r, t, fields, in.issuerDocID, in.signature); err != nil {
			return Document{}, false, false, false, err
		}
		r.Files = sealPhoto(aead, r, in.photo, now)
		if in.idem != nil {
			in.idem.DocumentID = r.ID
		}
		err = s.store.InsertDocument(ctx, r, in.idem)
		changed = true
	} else {
		if err := updatable(old, in.citizenID, t.id); err != nil {
			return Document{}, false, false, false, err
		}
		r = old
		r.Version, r.Revision, r.UpdatedAt, r.Files = t.version, old.Revision+1, now, nil
		var plain []byte
		if r, plain, err = sealDocument(aead, r, t, fields, in.issuerDocID, in.signature); err != nil {
			return Document{}, false, false, false, err
		}
		var photoChanged bool
		if photoChanged, err = s.photoChanged(ctx, aead, old, in.photo); err != nil {
			return Document{}, false, false, false, err
		}
		if photoChanged {
			r.Files, r.ReplaceFiles = sealPhoto(aead, r, in.photo, now), true
		} else {
			r.Files = old.Files // kept as they are
		}
		changed = old.Version != t.version || !sameContent(aead, old, plain) || photoChanged
		if !changed { // only the idempotency record is stored; concurrent replays do not conflict
			r.Sealed, r.UpdatedAt, r.Revision = old.Sealed, old.UpdatedAt, old.Revision
		}
		if in.idem != nil {
			in.idem.DocumentID = r.ID
		}
		if changed || in.idem != nil {
			err = s.store.UpdateDocument(ctx, r, old.Revision, in.idem)
		}
	}
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		return Document{}, false, false, true, err
	}
	if err != nil {
		return Document{}, false, false, false, err
	}
	d = r.metadata(now)
	d.Fields, d.IssuerDocID, d.IssuerSignature = fields, in.issuerDocID, in.signature
	if len(d.Files) == 1 && in.photo != nil {
		d.Files[0].Name = in.photo.name
	}
	return d, created, changed, false, nil
}

// updatable refuses an update of a document that is not the caller's to
// change under this reference.
func updatable(old DocumentRecord, citizenID, typeID string) error {
	conflict := func(key, msg string) error {
		return &digitalid.Error{Code: digitalid.ECONFLICT, Key: key, Message: msg}
	}
	switch {
	case old.CitizenID != citizenID:
		return conflict("vault.error.reference_citizen", "This document reference is already used for another citizen.")
	case old.TypeID != typeID:
		return conflict("vault.error.reference_type", "This document reference is already used for another document type.")
	case !old.RevokedAt.IsZero():
		return conflict("vault.error.revoked", "The document was revoked; issue a new one under a new reference.")
	}
	return nil
}

// RevokeFromIssuer revokes the document the issuer stored under
// issuerDocID. Revoking a revoked document changes nothing. Returns the
// document's metadata, or ENOTFOUND when this issuer has no such document
// (another issuer's document included), EINVALID for a malformed reference.
func (s *Service) RevokeFromIssuer(ctx context.Context, issuerID, issuerDocID string) (Document, error) {
	if fes := checkIssuerRef(issuerID, issuerDocID); len(fes) > 0 {
		return Document{}, invalidCall(fes)
	}
	ref := s.index.mac("issuer-ref", issuerID, issuerDocID)
	for attempt := 1; ; attempt++ {
		r, err := s.store.DocumentByIssuerRef(ctx, issuerID, ref)
		if err != nil {
			return Document{}, fmt.Errorf("vault: revoke: %w", err)
		}
		now := s.now()
		if !r.RevokedAt.IsZero() {
			return r.metadata(now), nil
		}
		prev := r.Revision
		r.RevokedAt, r.UpdatedAt, r.Revision, r.Files = now, now, prev+1, nil
		err = s.store.UpdateDocument(ctx, r, prev, nil)
		if digitalid.ErrorCode(err) == digitalid.ECONFLICT && attempt < writeAttempts {
			continue
		}
		if err != nil {
			return Document{}, fmt.Errorf("vault: revoke: %w", err)
		}
		d := r.metadata(now)
		s.log.InfoContext(ctx, "issuer document revoked", "document", d, "issuer", issuerID)
		if err := s.record(ctx, docEvent(audit.Actor{Type: audit.ActorIssuer, ID: issuerID}, "document.revoked", d, nil)); err != nil {
			return Document{}, err
		}
		s.notify(ctx, d, NotifyRevoked)
		return d, nil
	}
}

// notify tells the Notifier, logging its failure.
func (s *Service) notify(ctx context.Context, d Document, kind string) {
	if s.notifier == nil {
		return
	}
	if err := s.notifier.DocumentChanged(ctx, d.CitizenID, d.ID, kind); err != nil {
		s.log.ErrorContext(ctx, "document notification failed", "document", d, "kind", kind, "err", err)
	}
}

// PurgeIdempotencyKeys deletes the idempotency records that have expired
// and returns how many; a periodic job calls it (any instance, any time).
func (s *Service) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	n, err := s.store.PurgeIdempotency(ctx, s.now())
	if err != nil {
		return 0, fmt.Errorf("vault: purge idempotency keys: %w", err)
	}
	return n, nil
}

// sealPhoto returns the document's files for a portrait: none without one.
func sealPhoto(aead cipher.AEAD, r DocumentRecord, photo *scan, now time.Time) []FileRecord {
	if photo == nil {
		return []FileRecord{}
	}
	f := FileRecord{ID: newID(), DocumentID: r.ID, CitizenID: r.CitizenID, Seq: 0, MediaType: photo.mediaType,
		Size: int64(len(photo.content)), CreatedAt: now}
	f.NameSealed = seal(aead, []byte(photo.name), fileNameAAD(f))
	f.ContentSealed = seal(aead, photo.content, fileContentAAD(f))
	return []FileRecord{f}
}

// photoChanged reports whether the portrait of an update differs from the
// file the stored document has (photos are re-encoded deterministically,
// so the same photo sent again compares equal).
func (s *Service) photoChanged(ctx context.Context, aead cipher.AEAD, old DocumentRecord, photo *scan) (bool, error) {
	switch {
	case photo == nil:
		return len(old.Files) > 0, nil
	case len(old.Files) != 1 || old.Files[0].MediaType != photo.mediaType || old.Files[0].Size != int64(len(photo.content)):
		return true, nil
	}
	rec, err := s.store.File(ctx, old.CitizenID, old.ID, old.Files[0].ID)
	if err != nil {
		return false, err
	}
	f, err := openFile(aead, rec)
	if err != nil {
		return false, err
	}
	return !bytes.Equal(f.Content, photo.content), nil
}
