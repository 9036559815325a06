package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/digitalid/digitalid/account"
)

// AddNotification implements account.NotificationStore.
func (db *DB) AddNotification(ctx context.Context, n account.Notification) error {
	params, err := json.Marshal(n.Params)
	if err != nil {
		return fmt.Errorf("add notification: %w", err)
	}
	if n.Params == nil {
		params = []byte("{}")
	}
	_, err = db.writeExec(ctx, db.sql, `INSERT INTO account_notifications (id, citizen_id, kind, params, created_at, read_at)
		VALUES (?, ?, ?, ?, ?, ?)`, n.ID, n.CitizenID, string(n.Kind), string(params), formatTime(n.CreatedAt), nullTime(n.ReadAt))
	return translateFK(wrapf(err, "add notification"))
}

// ListNotifications implements account.NotificationStore.
func (db *DB) ListNotifications(ctx context.Context, citizenID string, unreadOnly bool, limit int) ([]account.Notification, error) {
	query := "SELECT id, citizen_id, kind, params, created_at, read_at FROM account_notifications WHERE citizen_id = ?"
	if unreadOnly {
		query += " AND read_at IS NULL"
	}
	rows, err := db.query(ctx, db.sql, query+" ORDER BY seq DESC LIMIT ?", citizenID, limit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	return collect(rows, scanNotification)
}

func scanNotification(s scanner) (account.Notification, error) {
	var n account.Notification
	var kind, params, created string
	var read sql.NullString
	if err := s.Scan(&n.ID, &n.CitizenID, &kind, &params, &created, &read); err != nil {
		return account.Notification{}, fmt.Errorf("list notifications: %w", err)
	}
	n.Kind = account.Kind(kind)
	var err error
	if err = json.Unmarshal([]byte(params), &n.Params); err == nil {
		if n.CreatedAt, err = parseTime(created); err == nil {
			n.ReadAt, err = parseNullTime(read)
		}
	}
	if err != nil {
		return account.Notification{}, fmt.Errorf("account_notifications %s: %w", n.ID, err)
	}
	return n, nil
}

// MarkNotificationRead implements account.NotificationStore.
func (db *DB) MarkNotificationRead(ctx context.Context, citizenID, id string, at time.Time) error {
	res, err := db.writeExec(ctx, db.sql, `UPDATE account_notifications SET read_at = COALESCE(read_at, ?)
		WHERE id = ? AND citizen_id = ?`, formatTime(at), id, citizenID)
	if err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	return oneRow(res, "mark notification read")
}

// CountUnreadNotifications implements account.NotificationStore.
func (db *DB) CountUnreadNotifications(ctx context.Context, citizenID string) (int, error) {
	var n int
	err := db.queryRow(ctx, db.sql, "SELECT COUNT(*) FROM account_notifications WHERE citizen_id = ? AND read_at IS NULL", citizenID).Scan(&n)
	return n, wrapf(err, "count notifications")
}
