package vault

import (
	"bytes"
	"context"
	"crypto/cipher"
	"errors"
	"fmt"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// List returns the citizen's documents, oldest first, with metadata and
// scan sizes only: nothing is decrypted. Returns ENOTFOUND (ErrShredded) for
// a shredded citizen; a citizen without documents gets an empty list.
func (s *Service) List(ctx context.Context, citizenID string) ([]Document, error) {
	recs, err := s.store.ListDocuments(ctx, citizenID)
	if err != nil {
		return nil, fmt.Errorf("vault: list documents of %s: %w", citizenID, err)
	}
	if len(recs) == 0 {
		if err := s.notFound(ctx, citizenID, digitalid.Errorf(digitalid.ENOTFOUND, "no documents")); errors.Is(err, ErrShredded) {
			return nil, err
		}
	}
	now := s.now()
	out := make([]Document, len(recs))
	for i, r := range recs {
		out[i] = r.metadata(now)
	}
	return out, nil
}

// Get returns one of the citizen's documents with its contents decrypted:
// fields, the issuer's reference and signature, and scan names. It is the
// citizen's own read and is not audited; the HTTP layer asks for a recent
// re-authentication first. Anyone else reads through ReadForParty.
//
// Returns ENOTFOUND if the citizen has no such document (another citizen's
// document included), ENOTFOUND caused by ErrShredded after ShredCitizen,
// and EINTERNAL caused by ErrTampered if the stored data was moved or edited.
func (s *Service) Get(ctx context.Context, citizenID, docID string) (Document, error) {
	r, err := s.store.Document(ctx, citizenID, docID)
	if err != nil {
		return Document{}, fmt.Errorf("vault: document %s: %w", docID, s.notFound(ctx, citizenID, err))
	}
	return s.open(ctx, r)
}

// open decrypts a stored document. It also checks that the clear expiry
// column still agrees with the sealed fields, so an edited expiry shows.
func (s *Service) open(ctx context.Context, r DocumentRecord) (Document, error) {
	t, ok := s.reg.Type(r.TypeID, r.Version)
	if !ok {
		return Document{}, digitalid.Errorf(digitalid.EINTERNAL, "vault: document %s has unknown type %s v%d", r.ID, r.TypeID, r.Version)
	}
	aead, err := s.citizenAEAD(ctx, r.CitizenID, false)
	if err != nil {
		return Document{}, err
	}
	plain, err := open(aead, r.Sealed, documentAAD(r))
	if err != nil {
		return Document{}, tampered("document "+r.ID, err)
	}
	fields, c, err := decodeContent(t, plain)
	if err != nil {
		return Document{}, digitalid.Wrap(digitalid.EINTERNAL, err, "The stored document is damaged.")
	}
	if fields.Text(expiryField(t)) != r.ExpiresOn {
		return Document{}, tampered("document "+r.ID+" expiry", ErrTampered)
	}
	d := r.metadata(s.now())
	d.Fields, d.IssuerDocID, d.IssuerSignature = fields, c.IssuerDocID, c.Signature
	for i, f := range r.Files {
		name, err := open(aead, f.NameSealed, fileNameAAD(f))
		if err != nil {
			return Document{}, tampered("file "+f.ID, err)
		}
		d.Files[i].Name = string(name)
	}
	return d, nil
}

func tampered(what string, err error) error {
	return digitalid.Wrap(digitalid.EINTERNAL, fmt.Errorf("vault: %s: %w", what, err), "The stored document is damaged.")
}

// File returns one scan of the citizen's document, decrypted. Errors as Get.
func (s *Service) File(ctx context.Context, citizenID, docID, fileID string) (File, error) {
	f, err := s.store.File(ctx, citizenID, docID, fileID)
	if err != nil {
		return File{}, fmt.Errorf("vault: file %s: %w", fileID, s.notFound(ctx, citizenID, err))
	}
	aead, err := s.citizenAEAD(ctx, citizenID, false)
	if err != nil {
		return File{}, err
	}
	return openFile(aead, f)
}

func openFile(aead cipher.AEAD, f FileRecord) (File, error) {
	name, err := open(aead, f.NameSealed, fileNameAAD(f))
	if err != nil {
		return File{}, tampered("file "+f.ID, err)
	}
	content, err := open(aead, f.ContentSealed, fileContentAAD(f))
	if err != nil {
		return File{}, tampered("file "+f.ID, err)
	}
	return File{FileInfo: FileInfo{ID: f.ID, Name: string(name), MediaType: f.MediaType, Size: f.Size, CreatedAt: f.CreatedAt},
		Content: content}, nil
}

// Delete deletes one of the citizen's self-declared documents with its
// scans. A document from an issuer is the issuer's to revoke: EFORBIDDEN.
// Returns ENOTFOUND if the citizen has no such document.
func (s *Service) Delete(ctx context.Context, citizenID, docID string) error {
	r, err := s.store.Document(ctx, citizenID, docID)
	if err != nil {
		return fmt.Errorf("vault: delete document %s: %w", docID, s.notFound(ctx, citizenID, err))
	}
	if r.Source != SourceSelf {
		return &digitalid.Error{Code: digitalid.EFORBIDDEN, Key: "vault.error.issuer_document",
			Message: "A document from an issuing authority cannot be deleted; the authority revokes it."}
	}
	if err := s.store.DeleteDocument(ctx, citizenID, docID); err != nil {
		return fmt.Errorf("vault: delete document %s: %w", docID, err)
	}
	d := r.metadata(s.now())
	s.log.InfoContext(ctx, "document deleted", "document", d)
	return s.record(ctx, docEvent(audit.Actor{Type: audit.ActorCitizen, ID: citizenID}, "document.deleted", d, nil))
}

// Counts returns how many documents there are by type, source and status:
// everything an operator may know of the vault's contents.
func (s *Service) Counts(ctx context.Context) ([]Count, error) {
	cs, err := s.store.CountDocuments(ctx, todayString(s.now()))
	if err != nil {
		return nil, fmt.Errorf("vault: count documents: %w", err)
	}
	return cs, nil
}

// sameContent reports whether a stored document's sealed content, opened,
// equals plain.
func sameContent(aead cipher.AEAD, r DocumentRecord, plain []byte) bool {
	old, err := open(aead, r.Sealed, documentAAD(r))
	return err == nil && bytes.Equal(old, plain)
}
