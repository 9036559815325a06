package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/digitalid/digitalid/audit"
)

// The audit tables (migration 0003) are append-only: nothing here updates or
// deletes an event. Heads are replaced under a row lock as chains grow.

var _ audit.Store = (*DB)(nil)

const auditEventColumns = `id, chain, seq, at, actor_type, actor_id, action, object, result, ip, request_id, details, prev_hash, hash`

// auditEventRow is an audit_events row as stored.
type auditEventRow struct {
	ID, Chain                             string
	Seq                                   int64
	At, ActorType, ActorID, Action        string
	Object, Result, IP, RequestID, Detail string
	PrevHash, Hash                        string
}

func (r *auditEventRow) dest() []any {
	return []any{&r.ID, &r.Chain, &r.Seq, &r.At, &r.ActorType, &r.ActorID, &r.Action,
		&r.Object, &r.Result, &r.IP, &r.RequestID, &r.Detail, &r.PrevHash, &r.Hash}
}

// event converts the row; a column that cannot be decoded gives a
// *audit.RowError whose message holds no stored value.
func (r *auditEventRow) event() (audit.Event, error) {
	bad := func(what string) error {
		return &audit.RowError{Chain: r.Chain, Seq: r.Seq, ID: r.ID, Err: errors.New(what)}
	}
	at, err := parseTime(r.At)
	if err != nil {
		return audit.Event{}, bad("the time column is not a stored time")
	}
	var details map[string]string
	if err := json.Unmarshal([]byte(r.Detail), &details); err != nil {
		return audit.Event{}, bad("the details column is not a JSON object of strings")
	}
	if len(details) == 0 {
		details = nil
	}
	return audit.Event{
		ID: r.ID, Chain: r.Chain, Seq: r.Seq, Time: at,
		Actor:  audit.Actor{Type: audit.ActorType(r.ActorType), ID: r.ActorID},
		Action: r.Action, Object: r.Object, Result: audit.Result(r.Result),
		IP: r.IP, RequestID: r.RequestID, Details: details,
		PrevHash: r.PrevHash, Hash: r.Hash,
	}, nil
}

// scanAuditEvents reads rows to the end, or up to the first undecodable row,
// returning the events before it with its *audit.RowError.
func scanAuditEvents(rows *sql.Rows) ([]audit.Event, error) {
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var r auditEventRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("scan audit event: %w", err)
		}
		e, err := r.event()
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit events: %w", err)
	}
	return out, nil
}

// AppendAudit implements audit.Store.
func (db *DB) AppendAudit(ctx context.Context, fn func(ctx context.Context, tx audit.AppendTx) error) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return fn(ctx, auditTx{db: db, tx: tx})
	})
}

// auditTx implements audit.AppendTx on one transaction.
type auditTx struct {
	db *DB
	tx *sql.Tx
}

// LockHead locks the chain's head row. On SQLite the transaction already
// holds the database's write lock (BEGIN IMMEDIATE). On PostgreSQL the row is
// locked FOR UPDATE; a missing head is first inserted as a placeholder
// (seq 0, never committed as such: the same transaction replaces it) so that
// two transactions opening the same chain queue on it instead of both
// starting at seq 1.
func (t auditTx) LockHead(ctx context.Context, chain string) (audit.Head, error) {
	lock := ""
	if t.db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	h, err := t.selectHead(ctx, chain, lock)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return h, err
	}
	if t.db.dialect != Postgres {
		return audit.Head{Chain: chain}, nil
	}
	if _, err := t.db.exec(ctx, t.tx, `INSERT INTO audit_heads (chain, seq, hash, mac) VALUES (?, 0, '', '')
		ON CONFLICT (chain) DO NOTHING`, chain); err != nil {
		return audit.Head{}, translate(fmt.Errorf("insert audit head: %w", err))
	}
	return t.selectHead(ctx, chain, lock)
}

func (t auditTx) selectHead(ctx context.Context, chain, lock string) (audit.Head, error) {
	h := audit.Head{Chain: chain}
	err := t.db.queryRow(ctx, t.tx, `SELECT seq, hash, mac FROM audit_heads WHERE chain = ?`+lock, chain).
		Scan(&h.Seq, &h.Hash, &h.MAC)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return audit.Head{}, fmt.Errorf("lock audit head: %w", err)
	}
	return h, err
}

// InsertEvent implements audit.AppendTx.
func (t auditTx) InsertEvent(ctx context.Context, e audit.Event) error {
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	js, err := json.Marshal(details) // keys sorted: one stored form per map
	if err != nil {
		return fmt.Errorf("encode audit details: %w", err)
	}
	_, err = t.db.exec(ctx, t.tx, `INSERT INTO audit_events (`+auditEventColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Chain, e.Seq, formatTime(e.Time), string(e.Actor.Type), e.Actor.ID, e.Action,
		e.Object, string(e.Result), e.IP, e.RequestID, string(js), e.PrevHash, e.Hash)
	if err != nil {
		return translate(fmt.Errorf("insert audit event: %w", err))
	}
	return nil
}

// PutHead implements audit.AppendTx.
func (t auditTx) PutHead(ctx context.Context, h audit.Head) error {
	_, err := t.db.exec(ctx, t.tx, `INSERT INTO audit_heads (chain, seq, hash, mac) VALUES (?, ?, ?, ?)
		ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac`,
		h.Chain, h.Seq, h.Hash, h.MAC)
	if err != nil {
		return translate(fmt.Errorf("put audit head: %w", err))
	}
	return nil
}

// ListAuditEvents implements audit.Store.
func (db *DB) ListAuditEvents(ctx context.Context, chain string, opts audit.ListOptions) ([]audit.Event, error) {
	var b strings.Builder
	args := []any{chain}
	b.WriteString(`SELECT ` + auditEventColumns + ` FROM audit_events WHERE chain = ?`)
	if opts.After > 0 {
		b.WriteString(` AND seq > ?`)
		args = append(args, opts.After)
	}
	if opts.Before > 0 {
		b.WriteString(` AND seq < ?`)
		args = append(args, opts.Before)
	}
	if len(opts.Actions) > 0 {
		b.WriteString(` AND action IN (?` + strings.Repeat(`, ?`, len(opts.Actions)-1) + `)`)
		for _, a := range opts.Actions {
			args = append(args, a)
		}
	}
	b.WriteString(` ORDER BY seq`)
	if opts.Descending {
		b.WriteString(` DESC`)
	}
	b.WriteString(` LIMIT ?`)
	args = append(args, opts.Limit)
	rows, err := db.query(ctx, db.sql, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return scanAuditEvents(rows)
}

// ReadAudit implements audit.Store with one read-only transaction: on
// PostgreSQL at REPEATABLE READ (a snapshot taken at the first query), on
// SQLite a deferred read transaction (WAL gives it a snapshot and it does not
// block writers).
func (db *DB) ReadAudit(ctx context.Context, fn func(ctx context.Context, r audit.Reader) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin audit snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(ctx, auditReader{db: db, tx: tx})
}

// auditReader implements audit.Reader with keyset pagination over the
// (chain, seq) unique index, the heads primary key and the partial index on
// chain.opened events, so each page is an index range scan.
type auditReader struct {
	db *DB
	tx *sql.Tx
}

// Events implements audit.Reader.
func (r auditReader) Events(ctx context.Context, afterChain string, afterSeq int64, limit int) ([]audit.Event, error) {
	rows, err := r.db.query(ctx, r.tx, `SELECT `+auditEventColumns+` FROM audit_events
		WHERE (chain, seq) > (?, ?) ORDER BY chain, seq LIMIT ?`, afterChain, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit events: %w", err)
	}
	return scanAuditEvents(rows)
}

// Heads implements audit.Reader.
func (r auditReader) Heads(ctx context.Context, afterChain string, limit int) ([]audit.Head, error) {
	rows, err := r.db.query(ctx, r.tx, `SELECT chain, seq, hash, mac FROM audit_heads
		WHERE chain > ? ORDER BY chain LIMIT ?`, afterChain, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit heads: %w", err)
	}
	defer rows.Close()
	var out []audit.Head
	for rows.Next() {
		var h audit.Head
		if err := rows.Scan(&h.Chain, &h.Seq, &h.Hash, &h.MAC); err != nil {
			return nil, fmt.Errorf("scan audit head: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit heads: %w", err)
	}
	return out, nil
}

// ChainOpenings implements audit.Reader. The constants are spelled into the
// SQL as literals so that both planners use the partial index
// audit_events_opened of migration 0003, whose predicate spells them alike.
func (r auditReader) ChainOpenings(ctx context.Context, afterObject string, limit int) ([]audit.Event, error) {
	from := "audit_events"
	if r.db.dialect == SQLite {
		// Without statistics SQLite prefers the (chain, seq) index and sorts
		// the whole system chain for every page; name the right one.
		from += " INDEXED BY audit_events_opened"
	}
	rows, err := r.db.query(ctx, r.tx, `SELECT `+auditEventColumns+` FROM `+from+`
		WHERE chain = '`+audit.SystemChain+`' AND action = '`+audit.ActionChainOpened+`' AND object > ?
		ORDER BY object LIMIT ?`, afterObject, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit chain openings: %w", err)
	}
	return scanAuditEvents(rows)
}
