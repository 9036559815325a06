package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/recovery"
)

// Trusted contacts and recovery requests (package recovery). Rules that
// must hold across instances — at most N contacts, one open request, an
// approval taking effect once — are conditional statements in one
// transaction; a citizen's row is locked (a no-op UPDATE, which PostgreSQL
// holds to the end of the transaction and SQLite's single writer implies)
// where a count decides an insert.

const recoveryContactCols = `id, citizen_id, contact_id, phone_key, name_sealed, status, invited_at, expires_at, accepted_at, ended_at, ended_by`

func scanRecoveryContact(row interface{ Scan(...any) error }) (recovery.ContactRecord, error) {
	var r recovery.ContactRecord
	var contact, endedBy, accepted, ended sql.NullString
	var status, invited, expires string
	if err := row.Scan(&r.ID, &r.CitizenID, &contact, &r.PhoneKey, &r.NameSealed, &status, &invited, &expires, &accepted, &ended, &endedBy); err != nil {
		return r, err
	}
	r.ContactID, r.EndedBy, r.Status = contact.String, endedBy.String, recovery.ContactStatus(status)
	var err error
	if r.InvitedAt, err = parseTime(invited); err != nil {
		return r, err
	}
	if r.ExpiresAt, err = parseTime(expires); err != nil {
		return r, err
	}
	if r.AcceptedAt, err = parseNullTime(accepted); err != nil {
		return r, err
	}
	r.EndedAt, err = parseNullTime(ended)
	return r, err
}

// InsertTrustedContact implements recovery.Store.
func (db *DB) InsertTrustedContact(ctx context.Context, rec recovery.ContactRecord, max int, now time.Time) (bool, error) {
	var inserted bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		inserted = false
		if _, err := db.exec(ctx, tx, `UPDATE account_citizens SET id = id WHERE id = ?`, rec.CitizenID); err != nil {
			return fmt.Errorf("lock citizen: %w", err)
		}
		const live = `citizen_id = ? AND (status = 'active' OR (status IN ('pending', 'declined') AND expires_at > ?))`
		var same int
		if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM recovery_contacts WHERE `+live+` AND phone_key = ?`,
			rec.CitizenID, formatTime(now), rec.PhoneKey).Scan(&same); err != nil {
			return fmt.Errorf("count contacts: %w", err)
		}
		if same > 0 {
			return translate(fmt.Errorf("insert contact: %w", errDuplicateContact))
		}
		var n int
		if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM recovery_contacts WHERE `+live,
			rec.CitizenID, formatTime(now)).Scan(&n); err != nil {
			return fmt.Errorf("count contacts: %w", err)
		}
		if n >= max {
			return nil
		}
		_, err := db.exec(ctx, tx, `INSERT INTO recovery_contacts (`+recoveryContactCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.CitizenID, sql.NullString{String: rec.ContactID, Valid: rec.ContactID != ""}, rec.PhoneKey, rec.NameSealed,
			string(rec.Status), formatTime(rec.InvitedAt), formatTime(rec.ExpiresAt), nullTime(rec.AcceptedAt), nullTime(rec.EndedAt),
			sql.NullString{String: rec.EndedBy, Valid: rec.EndedBy != ""})
		if err != nil {
			return translateFK(fmt.Errorf("insert contact: %w", err))
		}
		inserted = true
		return nil
	})
	return inserted, err
}

// errDuplicateContact reads as a unique violation to translate.
var errDuplicateContact = fmt.Errorf("UNIQUE constraint failed: recovery_contacts.phone_key")

// TrustedContact implements recovery.Store.
func (db *DB) TrustedContact(ctx context.Context, id string) (recovery.ContactRecord, error) {
	r, err := scanRecoveryContact(db.queryRow(ctx, db.sql, `SELECT `+recoveryContactCols+` FROM recovery_contacts WHERE id = ?`, id))
	return r, translate(wrapf(err, "contact"))
}

// TrustedContactsOf implements recovery.Store.
func (db *DB) TrustedContactsOf(ctx context.Context, citizenID string) ([]recovery.ContactRecord, error) {
	return db.recoveryContacts(ctx, `citizen_id = ?`, citizenID)
}

// TrustedContactsFor implements recovery.Store.
func (db *DB) TrustedContactsFor(ctx context.Context, contactID string) ([]recovery.ContactRecord, error) {
	return db.recoveryContacts(ctx, `contact_id = ?`, contactID)
}

func (db *DB) recoveryContacts(ctx context.Context, where string, arg any) ([]recovery.ContactRecord, error) {
	rows, err := db.query(ctx, db.sql, `SELECT `+recoveryContactCols+` FROM recovery_contacts WHERE `+where+` ORDER BY invited_at DESC, id`, arg)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	var out []recovery.ContactRecord
	for rows.Next() {
		r, err := scanRecoveryContact(rows)
		if err != nil {
			return nil, fmt.Errorf("list contacts: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AnswerTrustedContact implements recovery.Store.
func (db *DB) AnswerTrustedContact(ctx context.Context, id, contactID string, to recovery.ContactStatus, at time.Time) error {
	accepted := sql.NullString{}
	if to == recovery.StatusActive {
		accepted = nullTime(at)
	}
	return db.updateOne(ctx, "answer contact", `UPDATE recovery_contacts SET status = ?, accepted_at = ?
		WHERE id = ? AND contact_id = ? AND status = 'pending' AND expires_at > ?`,
		string(to), accepted, id, contactID, formatTime(at))
}

// EndTrustedContact implements recovery.Store.
func (db *DB) EndTrustedContact(ctx context.Context, id, by string, at time.Time) ([]string, error) {
	var cancelled []string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		cancelled = nil
		var citizenID string
		if err := db.queryRow(ctx, tx, `SELECT citizen_id FROM recovery_contacts WHERE id = ?`, id).Scan(&citizenID); err != nil {
			return translate(fmt.Errorf("end contact: %w", err))
		}
		res, err := db.exec(ctx, tx, `UPDATE recovery_contacts SET status = 'ended', ended_at = ?, ended_by = ?
			WHERE id = ? AND status IN ('pending', 'active')`, formatTime(at), by, id)
		if err != nil {
			return fmt.Errorf("end contact: %w", err)
		}
		if err := oneRow(res, "end contact"); err != nil {
			return err
		}
		rows, err := db.query(ctx, tx, `SELECT id FROM recovery_requests WHERE citizen_id = ? AND status IN ('open', 'approved')`, citizenID)
		if err != nil {
			return fmt.Errorf("end contact: requests: %w", err)
		}
		for rows.Next() {
			var rid string
			if err := rows.Scan(&rid); err != nil {
				rows.Close()
				return fmt.Errorf("end contact: requests: %w", err)
			}
			cancelled = append(cancelled, rid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("end contact: requests: %w", err)
		}
		_, err = db.exec(ctx, tx, `UPDATE recovery_requests SET status = 'cancelled', decided_at = ?
			WHERE citizen_id = ? AND status IN ('open', 'approved')`, formatTime(at), citizenID)
		return wrapf(err, "end contact: cancel requests")
	})
	return cancelled, err
}

const recoveryRequestCols = `id, citizen_id, handle_hash, reason, origin_sealed, status, created_at, expires_at, decided_by, decided_at, completed_at, check_method`

func scanRecoveryRequest(row interface{ Scan(...any) error }) (recovery.RequestRecord, error) {
	var r recovery.RequestRecord
	var status, created, expires string
	var decidedBy, decided, completed, method sql.NullString
	if err := row.Scan(&r.ID, &r.CitizenID, &r.HandleHash, &r.Reason, &r.OriginSealed, &status, &created, &expires,
		&decidedBy, &decided, &completed, &method); err != nil {
		return r, err
	}
	r.Status, r.DecidedBy, r.CheckMethod = recovery.RequestStatus(status), decidedBy.String, method.String
	var err error
	if r.CreatedAt, err = parseTime(created); err != nil {
		return r, err
	}
	if r.ExpiresAt, err = parseTime(expires); err != nil {
		return r, err
	}
	if r.DecidedAt, err = parseNullTime(decided); err != nil {
		return r, err
	}
	r.CompletedAt, err = parseNullTime(completed)
	return r, err
}

// CreateRecoveryRequest implements recovery.Store. The partial unique index
// recovery_requests_one_open refuses a second open request.
func (db *DB) CreateRecoveryRequest(ctx context.Context, rec recovery.RequestRecord, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `UPDATE recovery_requests SET status = 'expired'
			WHERE citizen_id = ? AND status IN ('open', 'approved') AND expires_at <= ?`, rec.CitizenID, formatTime(now)); err != nil {
			return fmt.Errorf("expire requests: %w", err)
		}
		_, err := db.exec(ctx, tx, `INSERT INTO recovery_requests (`+recoveryRequestCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.CitizenID, rec.HandleHash, rec.Reason, rec.OriginSealed, string(rec.Status),
			formatTime(rec.CreatedAt), formatTime(rec.ExpiresAt), sql.NullString{String: rec.DecidedBy, Valid: rec.DecidedBy != ""},
			nullTime(rec.DecidedAt), nullTime(rec.CompletedAt), sql.NullString{String: rec.CheckMethod, Valid: rec.CheckMethod != ""})
		return translateFK(wrapf(err, "insert request"))
	})
}

// RecoveryRequest implements recovery.Store.
func (db *DB) RecoveryRequest(ctx context.Context, id string) (recovery.RequestRecord, error) {
	r, err := scanRecoveryRequest(db.queryRow(ctx, db.sql, `SELECT `+recoveryRequestCols+` FROM recovery_requests WHERE id = ?`, id))
	return r, translate(wrapf(err, "request"))
}

// RecoveryRequestByHandle implements recovery.Store.
func (db *DB) RecoveryRequestByHandle(ctx context.Context, hash []byte) (recovery.RequestRecord, error) {
	r, err := scanRecoveryRequest(db.queryRow(ctx, db.sql, `SELECT `+recoveryRequestCols+` FROM recovery_requests WHERE handle_hash = ?`, hash))
	return r, translate(wrapf(err, "request by handle"))
}

// OpenRecoveryRequest implements recovery.Store.
func (db *DB) OpenRecoveryRequest(ctx context.Context, citizenID string, now time.Time) (recovery.RequestRecord, error) {
	r, err := scanRecoveryRequest(db.queryRow(ctx, db.sql, `SELECT `+recoveryRequestCols+` FROM recovery_requests
		WHERE citizen_id = ? AND status IN ('open', 'approved') AND expires_at > ?`, citizenID, formatTime(now)))
	return r, translate(wrapf(err, "open request"))
}

// PendingRecoveryApprovals implements recovery.Store.
func (db *DB) PendingRecoveryApprovals(ctx context.Context, contactID string, now time.Time) ([]recovery.PendingApproval, error) {
	rows, err := db.query(ctx, db.sql, `SELECT c.id, r.`+joinCols("r.", recoveryRequestCols)+`
		FROM recovery_requests r JOIN recovery_contacts c ON c.citizen_id = r.citizen_id
		WHERE c.contact_id = ? AND c.status = 'active' AND r.status = 'open' AND r.expires_at > ?
		ORDER BY r.created_at DESC, r.id`, contactID, formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("pending approvals: %w", err)
	}
	defer rows.Close()
	var out []recovery.PendingApproval
	for rows.Next() {
		var p recovery.PendingApproval
		var rel string
		r, err := scanRecoveryRequest(prefixScanner{row: rows, first: &rel})
		if err != nil {
			return nil, fmt.Errorf("pending approvals: %w", err)
		}
		p.Request, p.RelationshipID = r, rel
		out = append(out, p)
	}
	return out, rows.Err()
}

// joinCols qualifies every column of cols but the first (already
// qualified by the caller) with prefix.
func joinCols(prefix, cols string) string {
	out := ""
	for i, c := range splitCols(cols) {
		if i > 0 {
			out += ", " + prefix
		}
		out += c
	}
	return out
}

func splitCols(cols string) []string {
	var out []string
	cur := ""
	for _, ch := range cols {
		switch ch {
		case ',':
			out = append(out, cur)
			cur = ""
		case ' ':
		default:
			cur += string(ch)
		}
	}
	return append(out, cur)
}

// prefixScanner scans one leading column into first, the rest into the
// destinations Scan is given.
type prefixScanner struct {
	row   interface{ Scan(...any) error }
	first *string
}

func (p prefixScanner) Scan(dest ...any) error { return p.row.Scan(append([]any{p.first}, dest...)...) }

// PutRecoveryCode implements recovery.Store.
func (db *DB) PutRecoveryCode(ctx context.Context, rec recovery.CodeRecord, maxSent int) (bool, error) {
	var stored bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		stored = false
		var sent int
		err := db.queryRow(ctx, tx, `SELECT sent FROM recovery_codes WHERE request_id = ? AND contact_id = ?`, rec.RequestID, rec.ContactID).Scan(&sent)
		switch {
		case err == sql.ErrNoRows:
			_, err = db.exec(ctx, tx, `INSERT INTO recovery_codes (request_id, contact_id, code_hash, created_at, expires_at, failures, sent)
				VALUES (?, ?, ?, ?, ?, 0, 1)`, rec.RequestID, rec.ContactID, rec.CodeHash, formatTime(rec.CreatedAt), formatTime(rec.ExpiresAt))
			if err != nil {
				return translateFK(fmt.Errorf("insert code: %w", err))
			}
		case err != nil:
			return fmt.Errorf("find code: %w", err)
		case sent >= maxSent:
			return nil
		default:
			res, err := db.exec(ctx, tx, `UPDATE recovery_codes SET code_hash = ?, created_at = ?, expires_at = ?, failures = 0, sent = sent + 1, used_at = NULL
				WHERE request_id = ? AND contact_id = ? AND sent = ?`, rec.CodeHash, formatTime(rec.CreatedAt), formatTime(rec.ExpiresAt),
				rec.RequestID, rec.ContactID, sent)
			if err != nil {
				return fmt.Errorf("replace code: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil // a concurrent caller replaced it first
			}
		}
		stored = true
		return nil
	})
	return stored, err
}

// ReserveRecoveryCodeAttempt implements recovery.Store.
func (db *DB) ReserveRecoveryCodeAttempt(ctx context.Context, requestID, contactID string, now time.Time, maxFailures int) (recovery.CodeRecord, error) {
	var rec recovery.CodeRecord
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE recovery_codes SET failures = failures + 1
			WHERE request_id = ? AND contact_id = ? AND used_at IS NULL AND expires_at > ? AND failures < ?`,
			requestID, contactID, formatTime(now), maxFailures)
		if err != nil {
			return fmt.Errorf("reserve code attempt: %w", err)
		}
		if err := oneRow(res, "reserve code attempt"); err != nil {
			return err
		}
		var created, expires string
		rec = recovery.CodeRecord{RequestID: requestID, ContactID: contactID}
		if err := db.queryRow(ctx, tx, `SELECT code_hash, created_at, expires_at, failures, sent FROM recovery_codes
			WHERE request_id = ? AND contact_id = ?`, requestID, contactID).Scan(&rec.CodeHash, &created, &expires, &rec.Failures, &rec.Sent); err != nil {
			return fmt.Errorf("reserve code attempt: %w", err)
		}
		if rec.CreatedAt, err = parseTime(created); err != nil {
			return err
		}
		rec.ExpiresAt, err = parseTime(expires)
		return err
	})
	return rec, err
}

// ApproveRecoveryRequest implements recovery.Store.
func (db *DB) ApproveRecoveryRequest(ctx context.Context, requestID, contactID string, at time.Time) error {
	t := formatTime(at)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE recovery_codes SET used_at = ?, failures = failures - 1
			WHERE request_id = ? AND contact_id = ? AND used_at IS NULL`, t, requestID, contactID)
		if err != nil {
			return fmt.Errorf("use code: %w", err)
		}
		if err := oneRow(res, "use code"); err != nil {
			return err
		}
		res, err = db.exec(ctx, tx, `UPDATE recovery_requests SET status = 'approved', decided_by = ?, decided_at = ?
			WHERE id = ? AND status = 'open' AND expires_at > ? AND EXISTS (SELECT 1 FROM recovery_contacts c
				WHERE c.id = ? AND c.citizen_id = recovery_requests.citizen_id AND c.status = 'active')`,
			contactID, t, requestID, t, contactID)
		if err != nil {
			return fmt.Errorf("approve request: %w", err)
		}
		return oneRow(res, "approve request")
	})
}

// RejectRecoveryRequest implements recovery.Store.
func (db *DB) RejectRecoveryRequest(ctx context.Context, requestID, contactID string, at time.Time) error {
	t := formatTime(at)
	return db.updateOne(ctx, "reject request", `UPDATE recovery_requests SET status = 'rejected', decided_by = ?, decided_at = ?
		WHERE id = ? AND status IN ('open', 'approved') AND expires_at > ? AND EXISTS (SELECT 1 FROM recovery_contacts c
			WHERE c.id = ? AND c.citizen_id = recovery_requests.citizen_id AND c.status = 'active')`,
		contactID, t, requestID, t, contactID)
}

// CancelRecoveryRequest implements recovery.Store.
func (db *DB) CancelRecoveryRequest(ctx context.Context, id string, at time.Time) error {
	return db.updateOne(ctx, "cancel request", `UPDATE recovery_requests SET status = 'cancelled', decided_at = ?
		WHERE id = ? AND status IN ('open', 'approved')`, formatTime(at), id)
}

// CompleteRecoveryRequest implements recovery.Store.
func (db *DB) CompleteRecoveryRequest(ctx context.Context, id, method, endReason string, at, until time.Time, pin account.PINRecord) error {
	t := formatTime(at)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var citizenID string
		if err := db.queryRow(ctx, tx, `SELECT citizen_id FROM recovery_requests WHERE id = ?`, id).Scan(&citizenID); err != nil {
			return translate(fmt.Errorf("complete request: %w", err))
		}
		if pin.CitizenID != citizenID || pin.Hash == "" {
			return digitalid.Errorf(digitalid.EINVALID, "complete request: the new PIN is not for the request's citizen")
		}
		res, err := db.exec(ctx, tx, `UPDATE recovery_requests SET status = 'completed', completed_at = ?, check_method = ?
			WHERE id = ? AND status = 'approved' AND expires_at > ?`, t, method, id, t)
		if err != nil {
			return fmt.Errorf("complete request: %w", err)
		}
		if err := oneRow(res, "complete request"); err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, `UPDATE account_sessions SET ended_at = ?, end_reason = ?
			WHERE citizen_id = ? AND ended_at IS NULL`, t, endReason, citizenID); err != nil {
			return fmt.Errorf("complete request: end sessions: %w", err)
		}
		if _, err := db.exec(ctx, tx, `INSERT INTO recovery_cooling_off (citizen_id, until_at) VALUES (?, ?)
			ON CONFLICT (citizen_id) DO UPDATE SET until_at = excluded.until_at`, citizenID, formatTime(until)); err != nil {
			return fmt.Errorf("complete request: cooling-off: %w", err)
		}
		if _, err := db.exec(ctx, tx, upsertPIN, citizenID, pin.Hash, formatTime(pin.UpdatedAt)); err != nil {
			return fmt.Errorf("complete request: PIN: %w", err)
		}
		_, err = db.exec(ctx, tx, `DELETE FROM account_counters WHERE subject = ? AND factor = ?`, citizenID, account.FactorPIN)
		return wrapf(err, "complete request: PIN attempts")
	})
}

// CoolingOffUntil implements recovery.Store.
func (db *DB) CoolingOffUntil(ctx context.Context, citizenID string) (time.Time, error) {
	var s string
	err := db.queryRow(ctx, db.sql, `SELECT until_at FROM recovery_cooling_off WHERE citizen_id = ?`, citizenID).Scan(&s)
	if err == sql.ErrNoRows {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("cooling-off: %w", err)
	}
	return parseTime(s)
}

// PurgeRecovery implements recovery.Store.
func (db *DB) PurgeRecovery(ctx context.Context, before time.Time) (int64, error) {
	b := formatTime(before)
	var total int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		total = 0
		for _, q := range []struct {
			query string
			args  []any
		}{
			{`DELETE FROM recovery_requests WHERE expires_at < ? AND (completed_at IS NULL OR completed_at < ?)`, []any{b, b}},
			{`DELETE FROM recovery_contacts WHERE (status = 'ended' AND ended_at < ?) OR (status IN ('pending', 'declined') AND expires_at < ?)`, []any{b, b}},
			{`DELETE FROM recovery_cooling_off WHERE until_at < ?`, []any{b}},
		} {
			res, err := db.exec(ctx, tx, q.query, q.args...)
			if err != nil {
				return fmt.Errorf("purge recovery: %w", err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("purge recovery: %w", err)
			}
			total += k
		}
		return nil
	})
	return total, err
}

var _ recovery.Store = (*DB)(nil)
