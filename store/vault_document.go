package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/vault"
)

// documentColumns are read by documentRow, in its order.
const documentColumns = `id, citizen_id, type_id, version, source, issuer_id, issuer_ref, expires_on, sealed,
	revision, file_count, created_at, updated_at, revoked_at`

// documentListColumns are documentColumns without the sealed content.
const documentListColumns = `id, citizen_id, type_id, version, source, issuer_id, issuer_ref, expires_on, NULL,
	revision, file_count, created_at, updated_at, revoked_at`

// documentRow is one row of vault_documents.
type documentRow struct {
	id, citizenID, typeID, source, issuerID  string
	version, files                           int
	revision                                 int64
	issuerRef, sealed                        []byte
	expiresOn, createdAt, updatedAt, revoked sql.NullString
}

func (r *documentRow) dest() []any {
	return []any{&r.id, &r.citizenID, &r.typeID, &r.version, &r.source, &r.issuerID, &r.issuerRef, &r.expiresOn,
		&r.sealed, &r.revision, &r.files, &r.createdAt, &r.updatedAt, &r.revoked}
}

func (r *documentRow) record() (vault.DocumentRecord, error) {
	d := vault.DocumentRecord{ID: r.id, CitizenID: r.citizenID, TypeID: r.typeID, Version: r.version,
		Source: vault.Source(r.source), IssuerID: r.issuerID, IssuerRef: r.issuerRef, ExpiresOn: r.expiresOn.String,
		Sealed: r.sealed, Revision: r.revision}
	if r.files > 0 {
		d.Files = make([]vault.FileRecord, 0, r.files) // filled by the caller; non-nil says to look
	}
	err := parseTimes(storedTime{&d.CreatedAt, r.createdAt}, storedTime{&d.UpdatedAt, r.updatedAt}, storedTime{&d.RevokedAt, r.revoked})
	if err != nil {
		return vault.DocumentRecord{}, fmt.Errorf("vault_documents %s: %w", r.id, err)
	}
	return d, nil
}

// fileColumns are read by fileRow, in its order; the content is added only
// by File.
const fileColumns = `id, document_id, citizen_id, seq, media_type, size, name_sealed, created_at`

// fileRow is one row of vault_files.
type fileRow struct {
	id, documentID, citizenID, mediaType string
	seq                                  int
	size                                 int64
	nameSealed, contentSealed            []byte
	createdAt                            sql.NullString
	withContent                          bool
}

func (r *fileRow) dest() []any {
	d := []any{&r.id, &r.documentID, &r.citizenID, &r.seq, &r.mediaType, &r.size, &r.nameSealed, &r.createdAt}
	if r.withContent {
		d = append(d, &r.contentSealed)
	}
	return d
}

func (r *fileRow) record() (vault.FileRecord, error) {
	f := vault.FileRecord{ID: r.id, DocumentID: r.documentID, CitizenID: r.citizenID, Seq: r.seq, MediaType: r.mediaType,
		Size: r.size, NameSealed: r.nameSealed, ContentSealed: r.contentSealed}
	if err := parseTimes(storedTime{&f.CreatedAt, r.createdAt}); err != nil {
		return vault.FileRecord{}, fmt.Errorf("vault_files %s: %w", r.id, err)
	}
	return f, nil
}

func scanDocument(s scanner) (vault.DocumentRecord, error) {
	return scanRow(s, row[vault.DocumentRecord](&documentRow{}))
}

func scanFile(s scanner) (vault.FileRecord, error) {
	return scanRow(s, row[vault.FileRecord](&fileRow{}))
}

// Document implements vault.Store.
func (db *DB) Document(ctx context.Context, citizenID, docID string) (vault.DocumentRecord, error) {
	return db.documentWithFiles(ctx, `SELECT `+documentColumns+` FROM vault_documents WHERE id = ? AND citizen_id = ?`, docID, citizenID)
}

// DocumentByIssuerRef implements vault.Store.
func (db *DB) DocumentByIssuerRef(ctx context.Context, issuerID string, ref []byte) (vault.DocumentRecord, error) {
	return db.documentWithFiles(ctx, `SELECT `+documentColumns+` FROM vault_documents WHERE issuer_id = ? AND issuer_ref = ?`, issuerID, ref)
}

func (db *DB) documentWithFiles(ctx context.Context, query string, args ...any) (vault.DocumentRecord, error) {
	d, err := scanDocument(db.queryRow(ctx, db.sql, query, args...))
	if err != nil || d.Files == nil {
		return d, wrapf(err, "read document")
	}
	rows, err := db.query(ctx, db.sql, `SELECT `+fileColumns+` FROM vault_files WHERE document_id = ? ORDER BY seq`, d.ID)
	if err != nil {
		return vault.DocumentRecord{}, fmt.Errorf("read files of %s: %w", d.ID, err)
	}
	d.Files, err = collect(rows, scanFile)
	return d, err
}

// ListDocuments implements vault.Store.
func (db *DB) ListDocuments(ctx context.Context, citizenID string) ([]vault.DocumentRecord, error) {
	rows, err := db.query(ctx, db.sql, `SELECT `+documentListColumns+` FROM vault_documents
		WHERE citizen_id = ? ORDER BY created_at, id`, citizenID)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	docs, err := collect(rows, scanDocument)
	if err != nil || !slices.ContainsFunc(docs, func(d vault.DocumentRecord) bool { return d.Files != nil }) {
		return docs, err
	}
	rows, err = db.query(ctx, db.sql, `SELECT `+fileColumns+` FROM vault_files WHERE citizen_id = ? ORDER BY document_id, seq`, citizenID)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	files, err := collect(rows, scanFile)
	if err != nil {
		return nil, err
	}
	byDoc := make(map[string][]vault.FileRecord)
	for _, f := range files {
		f.NameSealed = nil
		byDoc[f.DocumentID] = append(byDoc[f.DocumentID], f)
	}
	for i := range docs {
		docs[i].Files = byDoc[docs[i].ID]
	}
	return docs, nil
}

// File implements vault.Store.
func (db *DB) File(ctx context.Context, citizenID, docID, fileID string) (vault.FileRecord, error) {
	f, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+fileColumns+`, content_sealed FROM vault_files
		WHERE id = ? AND document_id = ? AND citizen_id = ?`, fileID, docID, citizenID), row[vault.FileRecord](&fileRow{withContent: true}))
	return f, wrapf(err, "read file")
}

// InsertDocument implements vault.Store.
func (db *DB) InsertDocument(ctx context.Context, d vault.DocumentRecord, idem *vault.IdempotencyRecord) error {
	if d.ID == "" || d.CitizenID == "" || len(d.Sealed) == 0 || d.CreatedAt.IsZero() {
		return digitalid.Errorf(digitalid.EINVALID, "a document needs an id, a citizen, sealed content and a creation time")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `INSERT INTO vault_documents (`+documentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.CitizenID, d.TypeID, d.Version, string(d.Source), d.IssuerID, d.IssuerRef, nullString(d.ExpiresOn),
			d.Sealed, d.Revision, len(d.Files), formatTime(d.CreatedAt), formatTime(d.UpdatedAt), nullTime(d.RevokedAt))
		if err != nil {
			return translateFK(fmt.Errorf("insert document %s: %w", d.ID, err))
		}
		for _, f := range d.Files {
			_, err := db.exec(ctx, tx, `INSERT INTO vault_files (`+fileColumns+`, content_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				f.ID, d.ID, d.CitizenID, f.Seq, f.MediaType, f.Size, f.NameSealed, formatTime(f.CreatedAt), f.ContentSealed)
			if err != nil {
				return translate(fmt.Errorf("insert file %s: %w", f.ID, err))
			}
		}
		return db.putIdempotency(ctx, tx, idem)
	})
}

// UpdateDocument implements vault.Store.
func (db *DB) UpdateDocument(ctx context.Context, d vault.DocumentRecord, prevRevision int64, idem *vault.IdempotencyRecord) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE vault_documents SET version = ?, expires_on = ?, sealed = ?, revision = ?,
			updated_at = ?, revoked_at = ? WHERE id = ? AND revision = ?`,
			d.Version, nullString(d.ExpiresOn), d.Sealed, d.Revision, formatTime(d.UpdatedAt), nullTime(d.RevokedAt), d.ID, prevRevision)
		if err != nil {
			return translate(fmt.Errorf("update document %s: %w", d.ID, err))
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			var one int
			if err := db.queryRow(ctx, tx, `SELECT 1 FROM vault_documents WHERE id = ?`, d.ID).Scan(&one); err != nil {
				return translate(fmt.Errorf("update document %s: %w", d.ID, err))
			}
			return digitalid.Errorf(digitalid.ECONFLICT, "the document changed meanwhile")
		}
		if d.ReplaceFiles {
			if err := db.replaceFiles(ctx, tx, d); err != nil {
				return err
			}
		}
		return db.putIdempotency(ctx, tx, idem)
	})
}

// replaceFiles replaces a document's scans with d.Files, in tx.
func (db *DB) replaceFiles(ctx context.Context, tx *sql.Tx, d vault.DocumentRecord) error {
	if _, err := db.exec(ctx, tx, `DELETE FROM vault_files WHERE document_id = ?`, d.ID); err != nil {
		return translate(fmt.Errorf("delete files of %s: %w", d.ID, err))
	}
	for _, f := range d.Files {
		_, err := db.exec(ctx, tx, `INSERT INTO vault_files (`+fileColumns+`, content_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, d.ID, d.CitizenID, f.Seq, f.MediaType, f.Size, f.NameSealed, formatTime(f.CreatedAt), f.ContentSealed)
		if err != nil {
			return translate(fmt.Errorf("insert file %s: %w", f.ID, err))
		}
	}
	if _, err := db.exec(ctx, tx, `UPDATE vault_documents SET file_count = ? WHERE id = ?`, len(d.Files), d.ID); err != nil {
		return translate(fmt.Errorf("count files of %s: %w", d.ID, err))
	}
	return nil
}

// DeleteDocument implements vault.Store.
func (db *DB) DeleteDocument(ctx context.Context, citizenID, docID string) error {
	return db.updateOne(ctx, "delete document "+docID,
		`DELETE FROM vault_documents WHERE id = ? AND citizen_id = ? AND source = 'self'`, docID, citizenID)
}

// nullString stores "" as NULL.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
