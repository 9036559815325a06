package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/issuer"
)

var _ issuer.ConfirmStore = (*DB)(nil)

const confirmColumns = "id, citizen_id, document_id, type_id, status, reason, decided_by, issuer_document_id, created_at, decided_at"

// confirmRow is one row of issuer_confirmations.
type confirmRow struct {
	id, citizenID, documentID, typeID, status, reason, decidedBy, issuerDocID string
	createdAt, decidedAt                                                      sql.NullString
}

func (r *confirmRow) dest() []any {
	return []any{&r.id, &r.citizenID, &r.documentID, &r.typeID, &r.status, &r.reason, &r.decidedBy, &r.issuerDocID,
		&r.createdAt, &r.decidedAt}
}

func (r *confirmRow) record() (issuer.Confirmation, error) {
	c := issuer.Confirmation{ID: r.id, CitizenID: r.citizenID, DocumentID: r.documentID, Type: r.typeID,
		Status: issuer.ConfirmStatus(r.status), Reason: r.reason, DecidedBy: r.decidedBy, IssuerDocumentID: r.issuerDocID}
	if err := parseTimes(storedTime{&c.CreatedAt, r.createdAt}, storedTime{&c.DecidedAt, r.decidedAt}); err != nil {
		return issuer.Confirmation{}, fmt.Errorf("issuer_confirmations %s: %w", r.id, err)
	}
	return c, nil
}

// CreateConfirmation implements issuer.ConfirmStore: the partial unique
// index on (citizen_id, type_id) of pending rows refuses a second pending
// request on any instance.
// The citizen's row is the lock: on PostgreSQL it is held FOR UPDATE, on
// SQLite the transaction holds the database's write lock.
func (db *DB) CreateConfirmation(ctx context.Context, c issuer.Confirmation, max int, since time.Time) error {
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id string
		if err := db.queryRow(ctx, tx, `SELECT id FROM account_citizens WHERE id = ?`+lock, c.CitizenID).Scan(&id); err != nil {
			return translate(fmt.Errorf("lock citizen: %w", err))
		}
		var n int
		if err := db.queryRow(ctx, tx, countConfirmations, c.CitizenID, formatTime(since)).Scan(&n); err != nil {
			return fmt.Errorf("count confirmation requests: %w", err)
		}
		if n >= max {
			return digitalid.Errorf(digitalid.ERATELIMITED, "%d confirmation requests since %s", n, formatTime(since))
		}
		_, err := db.exec(ctx, tx, `INSERT INTO issuer_confirmations (`+confirmColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.CitizenID, c.DocumentID, c.Type, string(c.Status), c.Reason, c.DecidedBy, c.IssuerDocumentID,
			formatTime(c.CreatedAt), nullTime(c.DecidedAt))
		return translateFK(err)
	})
	return wrapf(err, "create confirmation request")
}

// Confirmation implements issuer.ConfirmStore.
func (db *DB) Confirmation(ctx context.Context, id string) (issuer.Confirmation, error) {
	c, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+confirmColumns+` FROM issuer_confirmations WHERE id = ?`, id),
		row[issuer.Confirmation](&confirmRow{}))
	return c, wrapf(err, "read confirmation request")
}

// DocumentConfirmation implements issuer.ConfirmStore: a pending request
// first, then a confirmed one (there is at most one: the document is
// replaced), else the latest.
func (db *DB) DocumentConfirmation(ctx context.Context, citizenID, docID string) (issuer.Confirmation, error) {
	c, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+confirmColumns+` FROM issuer_confirmations
		WHERE citizen_id = ? AND document_id = ?
		ORDER BY CASE status WHEN 'pending' THEN 0 WHEN 'confirmed' THEN 1 ELSE 2 END, created_at DESC, id DESC LIMIT 1`, citizenID, docID),
		row[issuer.Confirmation](&confirmRow{}))
	return c, wrapf(err, "read confirmation request of a document")
}

// countConfirmations counts a citizen's requests created at or after a time.
const countConfirmations = `SELECT COUNT(*) FROM issuer_confirmations WHERE citizen_id = ? AND created_at >= ?`

// CountConfirmations counts the citizen's requests created at or after
// since, whatever became of them: what CreateConfirmation's limit counts,
// for the conformance tests and operators.
func (db *DB) CountConfirmations(ctx context.Context, citizenID string, since time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, db.sql, countConfirmations, citizenID, formatTime(since)).Scan(&n)
	return n, wrapf(err, "count confirmation requests")
}

// PendingConfirmations implements issuer.ConfirmStore: only requests of
// active citizens are listed (a deleted account's wait).
func (db *DB) PendingConfirmations(ctx context.Context, types []string, limit int) ([]issuer.Confirmation, error) {
	if len(types) == 0 || limit <= 0 {
		return nil, nil
	}
	args := []any{string(issuer.ConfirmPending)}
	for _, t := range types {
		args = append(args, t)
	}
	args = append(args, limit)
	rows, err := db.query(ctx, db.sql, `SELECT `+prefixed("q.", confirmColumns)+` FROM issuer_confirmations q
		JOIN account_citizens c ON c.id = q.citizen_id
		WHERE q.status = ? AND q.type_id IN (?`+strings.Repeat(", ?", len(types)-1)+`) AND c.status = 'active'
		ORDER BY q.created_at, q.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list pending confirmation requests: %w", err)
	}
	defer rows.Close()
	var out []issuer.Confirmation
	for rows.Next() {
		c, err := scanRow(rows, row[issuer.Confirmation](&confirmRow{}))
		if err != nil {
			return nil, fmt.Errorf("list pending confirmation requests: %w", err)
		}
		out = append(out, c)
	}
	return out, wrapf(rows.Err(), "list pending confirmation requests")
}

// UpdateConfirmation implements issuer.ConfirmStore: one conditional
// UPDATE on the status, so of concurrent changes exactly one matches.
func (db *DB) UpdateConfirmation(ctx context.Context, c issuer.Confirmation, from issuer.ConfirmStatus) error {
	res, err := db.writeExec(ctx, db.sql, `UPDATE issuer_confirmations SET status = ?, reason = ?, decided_by = ?,
		issuer_document_id = ?, decided_at = ? WHERE id = ? AND status = ?`,
		string(c.Status), c.Reason, c.DecidedBy, c.IssuerDocumentID, nullTime(c.DecidedAt), c.ID, string(from))
	if err != nil {
		return translate(fmt.Errorf("update confirmation request: %w", err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update confirmation request: %w", err)
	}
	if n == 1 {
		return nil
	}
	var status string
	err = db.queryRow(ctx, db.sql, `SELECT status FROM issuer_confirmations WHERE id = ?`, c.ID).Scan(&status)
	if err != nil {
		return wrapf(translate(err), "update confirmation request")
	}
	return digitalid.Errorf(digitalid.ECONFLICT, "update confirmation request: status is %s, not %s", status, from)
}

// SettleClaim implements issuer.ConfirmStore: one conditional UPDATE on the
// claim's decider and time, which a reclaim moves.
func (db *DB) SettleClaim(ctx context.Context, c, claim issuer.Confirmation) error {
	res, err := db.writeExec(ctx, db.sql, `UPDATE issuer_confirmations SET status = ?, reason = ?, decided_by = ?,
		issuer_document_id = ?, decided_at = ? WHERE id = ? AND status = ? AND decided_by = ? AND decided_at = ? AND issuer_document_id = ''`,
		string(c.Status), c.Reason, c.DecidedBy, c.IssuerDocumentID, nullTime(c.DecidedAt),
		claim.ID, string(issuer.ConfirmConfirmed), claim.DecidedBy, nullTime(claim.DecidedAt))
	if err != nil {
		return translate(fmt.Errorf("settle confirmation claim: %w", err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("settle confirmation claim: %w", err)
	}
	if n != 1 {
		return digitalid.Errorf(digitalid.ECONFLICT, "settle confirmation claim %s: the claim was taken over or finished", claim.ID)
	}
	return nil
}

// ReclaimConfirmation implements issuer.ConfirmStore: one conditional UPDATE
// that moves the decision time of a stale, unfinished claim, so of
// concurrent callers exactly one matches.
func (db *DB) ReclaimConfirmation(ctx context.Context, id, issuerID string, staleBefore, at time.Time) error {
	res, err := db.writeExec(ctx, db.sql, `UPDATE issuer_confirmations SET decided_at = ? WHERE id = ? AND status = ?
		AND decided_by = ? AND issuer_document_id = '' AND decided_at < ?`,
		nullTime(at), id, string(issuer.ConfirmConfirmed), issuerID, nullTime(staleBefore))
	if err != nil {
		return translate(fmt.Errorf("reclaim confirmation request: %w", err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("reclaim confirmation request: %w", err)
	}
	if n != 1 {
		return digitalid.Errorf(digitalid.ECONFLICT, "reclaim confirmation request %s: not a stale claim of %s", id, issuerID)
	}
	return nil
}
