package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/credential"
)

var _ credential.Store = (*DB)(nil)

const statusListColumns = "id, bits, size, allocated, revision, created_at, updated_at"

// statusListRow is one row of credential_status_lists.
type statusListRow struct {
	l                    credential.StatusList
	createdAt, updatedAt string
}

func (r *statusListRow) dest() []any {
	return []any{&r.l.ID, &r.l.Bits, &r.l.Size, &r.l.Allocated, &r.l.Revision, &r.createdAt, &r.updatedAt}
}

func (r *statusListRow) record() (credential.StatusList, error) {
	var err error
	if r.l.CreatedAt, err = parseTime(r.createdAt); err != nil {
		return credential.StatusList{}, err
	}
	if r.l.UpdatedAt, err = parseTime(r.updatedAt); err != nil {
		return credential.StatusList{}, err
	}
	return r.l, nil
}

// CreateStatusList implements credential.Store.
func (db *DB) CreateStatusList(ctx context.Context, l credential.StatusList) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO credential_status_lists (`+statusListColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.Bits, l.Size, l.Allocated, l.Revision, formatTime(l.CreatedAt), formatTime(l.UpdatedAt))
	return wrapf(translate(err), fmt.Sprintf("insert status list %d", l.ID))
}

// StatusList implements credential.Store.
func (db *DB) StatusList(ctx context.Context, id int64) (credential.StatusList, error) {
	l, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+statusListColumns+` FROM credential_status_lists WHERE id = ?`, id),
		row[credential.StatusList](&statusListRow{}))
	return l, wrapf(err, fmt.Sprintf("read status list %d", id))
}

// LatestStatusList implements credential.Store.
func (db *DB) LatestStatusList(ctx context.Context) (credential.StatusList, error) {
	l, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+statusListColumns+` FROM credential_status_lists ORDER BY id DESC LIMIT 1`),
		row[credential.StatusList](&statusListRow{}))
	return l, wrapf(err, "read latest status list")
}

// InsertStatusEntries implements credential.Store. A taken index is told
// apart by ON CONFLICT DO NOTHING (both dialects) affecting no row, so the
// other entries still go in within the same transaction.
func (db *DB) InsertStatusEntries(ctx context.Context, entries []credential.StatusEntry) ([]bool, error) {
	taken := make([]bool, len(entries))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		clear(taken)
		added := map[int64]int{}
		for i, e := range entries {
			res, err := db.exec(ctx, tx, `INSERT INTO credential_status_entries
				(list_id, idx, citizen_id, device_id, source_doc_id, type, issued_at, expires_at, valid_until, revoked_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (list_id, idx) DO NOTHING`,
				e.ListID, e.Idx, e.CitizenID, e.DeviceID, e.SourceDocID, e.Type, formatTime(e.IssuedAt), formatTime(e.ExpiresAt),
				nullTime(e.ValidUntil), nullTime(e.RevokedAt))
			if err != nil {
				return translateEntryErr(err, e.ListID)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n == 0 {
				taken[i] = true
				continue
			}
			added[e.ListID]++
		}
		ids := make([]int64, 0, len(added))
		for id := range added {
			ids = append(ids, id)
		}
		slices.Sort(ids) // a fixed lock order across instances
		for _, id := range ids {
			if _, err := db.exec(ctx, tx, `UPDATE credential_status_lists SET allocated = allocated + ? WHERE id = ?`, added[id], id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapf(err, "insert status entries")
	}
	return taken, nil
}

// translateEntryErr turns the foreign key failure of an unknown list into
// ENOTFOUND.
func translateEntryErr(err error, listID int64) error {
	msg := err.Error()
	if strings.Contains(msg, "FOREIGN KEY") || strings.Contains(msg, "foreign key") || strings.Contains(msg, "23503") {
		return digitalid.Wrap(digitalid.ENOTFOUND, err, fmt.Sprintf("no status list %d", listID))
	}
	return translate(err)
}

// RevokeStatusEntries implements credential.Store.
func (db *DB) RevokeStatusEntries(ctx context.Context, f credential.RevokeFilter, at time.Time) (int64, error) {
	if f.Empty() {
		return 0, digitalid.Errorf(digitalid.EINVALID, "store: a revocation filter must select something")
	}
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.CitizenID != "" {
		add("citizen_id = ?", f.CitizenID)
	}
	if f.DeviceID != "" {
		add("device_id = ?", f.DeviceID)
	}
	if f.SourceDocID != "" {
		add("source_doc_id = ?", f.SourceDocID)
	}
	if !f.ValidBefore.IsZero() {
		add("valid_until IS NOT NULL AND valid_until <= ?", formatTime(f.ValidBefore))
	}
	n, err := db.revokeWhere(ctx, strings.Join(where, " AND "), args, at)
	return n, wrapf(err, "revoke status entries")
}

// RevokeBlocked implements credential.Store.
func (db *DB) RevokeBlocked(ctx context.Context, at time.Time) (int64, error) {
	// Expired entries are left alone: no verifier accepts them anyway, and
	// the sweep reads only the live ones.
	n, err := db.revokeWhere(ctx, `expires_at > ? AND (device_id IN (SELECT id FROM account_devices WHERE blocked_at IS NOT NULL)
		OR citizen_id IN (SELECT id FROM account_citizens WHERE status <> 'active')
		OR citizen_id NOT IN (SELECT id FROM account_citizens))`, []any{formatTime(at)}, at)
	return n, wrapf(err, "revoke status entries of blocked devices")
}

// revokeWhere revokes the unrevoked entries matching cond, bumping the
// revision of each list it changes, in one transaction.
func (db *DB) revokeWhere(ctx context.Context, where string, args []any, at time.Time) (int64, error) {
	cond := "(" + where + ") AND revoked_at IS NULL"
	var total int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		total = 0
		rows, err := db.query(ctx, tx, `SELECT DISTINCT list_id FROM credential_status_entries WHERE `+cond+` ORDER BY list_id`, args...)
		if err != nil {
			return err
		}
		var lists []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			lists = append(lists, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(lists) == 0 {
			return nil
		}
		for _, id := range lists { // lock the lists first, in a fixed order
			if _, err := db.exec(ctx, tx, `UPDATE credential_status_lists SET revision = revision + 1, updated_at = ? WHERE id = ?`,
				formatTime(at), id); err != nil {
				return err
			}
		}
		// Only entries of the lists just locked: one inserted meanwhile in
		// another list waits for the next revocation rather than being
		// revoked without its list's revision moving.
		in := strings.TrimSuffix(strings.Repeat("?, ", len(lists)), ", ")
		uargs := append([]any{formatTime(at)}, args...)
		for _, id := range lists {
			uargs = append(uargs, id)
		}
		res, err := db.exec(ctx, tx, `UPDATE credential_status_entries SET revoked_at = ? WHERE `+cond+` AND list_id IN (`+in+`)`, uargs...)
		if err != nil {
			return err
		}
		total, err = res.RowsAffected()
		return err
	})
	return total, err
}

// CountLive implements credential.Store.
func (db *DB) CountLive(ctx context.Context, deviceID, t string, now time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, db.sql, `SELECT COUNT(*) FROM credential_status_entries
		WHERE device_id = ? AND type = ? AND revoked_at IS NULL AND expires_at > ?`, deviceID, t, formatTime(now)).Scan(&n)
	return n, wrapf(err, "count live status entries")
}

// RevokedIndexes implements credential.Store.
func (db *DB) RevokedIndexes(ctx context.Context, listID int64) ([]int, error) {
	rows, err := db.query(ctx, db.sql, `SELECT idx FROM credential_status_entries WHERE list_id = ? AND revoked_at IS NOT NULL ORDER BY idx`, listID)
	if err != nil {
		return nil, fmt.Errorf("revoked indexes of %d: %w", listID, err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var idx int
		if err := rows.Scan(&idx); err != nil {
			return nil, fmt.Errorf("revoked indexes of %d: %w", listID, err)
		}
		out = append(out, idx)
	}
	return out, wrapf(rows.Err(), fmt.Sprintf("revoked indexes of %d", listID))
}
