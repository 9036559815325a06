package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/sms"
)

var _ sms.OutboxStore = (*DB)(nil)

// smsRow is one row of sms_outbox.
type smsRow struct {
	id        string
	purpose   string
	toMAC     []byte
	toSealed  []byte
	body      []byte
	createdAt string
}

func (r smsRow) message() (sms.SealedMessage, error) {
	t, err := parseTime(r.createdAt)
	if err != nil {
		return sms.SealedMessage{}, fmt.Errorf("sms_outbox %s: %w", r.id, err)
	}
	return sms.SealedMessage{ID: r.id, Purpose: r.purpose, ToMAC: r.toMAC, To: r.toSealed, Body: r.body, CreatedAt: t}, nil
}

// InsertOutboxSMS stores a sealed outbox message. Returns ECONFLICT if a
// message with the same id is already stored.
func (db *DB) InsertOutboxSMS(ctx context.Context, m sms.SealedMessage) error {
	if m.ID == "" || len(m.ToMAC) == 0 || len(m.To) == 0 || len(m.Body) == 0 || m.CreatedAt.IsZero() {
		return digitalid.Errorf(digitalid.EINVALID, "outbox message lacks a field")
	}
	_, err := db.exec(ctx, db.sql, `INSERT INTO sms_outbox (id, purpose, to_mac, to_sealed, body_sealed, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, m.ID, m.Purpose, m.ToMAC, m.To, m.Body, formatTime(m.CreatedAt))
	if err != nil {
		return translate(fmt.Errorf("insert outbox sms: %w", err))
	}
	return nil
}

// ListOutboxSMS returns the outbox messages matching q, newest first (and,
// among those stored at the same time, last stored first), at most q.Limit.
func (db *DB) ListOutboxSMS(ctx context.Context, q sms.OutboxQuery) ([]sms.SealedMessage, error) {
	if q.Limit <= 0 {
		return nil, digitalid.Errorf(digitalid.EINVALID, "outbox query needs a positive limit")
	}
	var where []string
	var args []any
	if q.ToMAC != nil {
		where = append(where, "to_mac = ?")
		args = append(args, q.ToMAC)
	}
	if !q.Since.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, formatTime(q.Since))
	}
	query := "SELECT id, purpose, to_mac, to_sealed, body_sealed, created_at FROM sms_outbox"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY created_at DESC, seq DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := db.query(ctx, db.sql, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox sms: %w", err)
	}
	defer rows.Close()
	var out []sms.SealedMessage
	for rows.Next() {
		var r smsRow
		if err := rows.Scan(&r.id, &r.purpose, &r.toMAC, &r.toSealed, &r.body, &r.createdAt); err != nil {
			return nil, fmt.Errorf("list outbox sms: %w", err)
		}
		m, err := r.message()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list outbox sms: %w", err)
	}
	return out, nil
}

// DeleteOutboxSMSBefore deletes the outbox messages created before t and
// returns how many it deleted.
func (db *DB) DeleteOutboxSMSBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := db.exec(ctx, db.sql, "DELETE FROM sms_outbox WHERE created_at < ?", formatTime(t))
	if err != nil {
		return 0, fmt.Errorf("delete outbox sms: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete outbox sms: %w", err)
	}
	return n, nil
}
