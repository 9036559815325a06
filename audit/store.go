package audit

import (
	"context"
	"fmt"
)

// Store keeps audit events and chain heads. The store package implements it
// on SQLite and PostgreSQL. It holds no rules: sequence numbers, hashes and
// what to check are decided here, in Log; the store provides a locking
// transaction, queries, and a consistent snapshot to verify.
//
// Nothing in Store updates or deletes an event.
type Store interface {
	// AppendAudit runs fn in one transaction and commits it when fn returns
	// nil. A head locked with tx.LockHead stays locked until the end, so
	// concurrent appends to one chain (from any instance) are serialised.
	// fn may be called again if the database asks for a retry, so it must
	// derive everything from what tx returns. Errors from fn are returned
	// unchanged.
	AppendAudit(ctx context.Context, fn func(ctx context.Context, tx AppendTx) error) error

	// ListAuditEvents returns events of chain matching opts (already
	// validated and defaulted by Log), in seq order, descending when
	// opts.Descending. An unknown chain gives an empty list.
	ListAuditEvents(ctx context.Context, chain string, opts ListOptions) ([]Event, error)

	// ReadAudit calls fn with a reader over one consistent, read-only
	// snapshot of all events and heads, unaffected by concurrent appends.
	ReadAudit(ctx context.Context, fn func(ctx context.Context, r Reader) error) error
}

// AppendTx is the view of the log inside an append transaction.
type AppendTx interface {
	// LockHead locks the head of chain against concurrent appends and
	// returns it. A chain without a head gives Head{Chain: chain} (Seq 0).
	LockHead(ctx context.Context, chain string) (Head, error)
	// InsertEvent stores a sealed event. Returns ECONFLICT if its id, or
	// its (Chain, Seq), is already taken.
	InsertEvent(ctx context.Context, e Event) error
	// PutHead creates or replaces the head of h.Chain.
	PutHead(ctx context.Context, h Head) error
}

// Reader pages through a snapshot of the log in the order Verify merges it:
// every ordering is by byte-wise string comparison of chain ids.
type Reader interface {
	// Events returns up to limit events after (afterChain, afterSeq) in
	// (Chain, Seq) order; ("", 0) starts at the beginning. A row that cannot
	// be decoded (a tampered time or details column) ends the page: the
	// events before it are returned with a *RowError.
	Events(ctx context.Context, afterChain string, afterSeq int64, limit int) ([]Event, error)
	// Heads returns up to limit heads with Chain > afterChain, by Chain.
	Heads(ctx context.Context, afterChain string, limit int) ([]Head, error)
	// ChainOpenings returns up to limit events of SystemChain whose Action
	// is ActionChainOpened and whose Object is > afterObject, by Object.
	ChainOpenings(ctx context.Context, afterObject string, limit int) ([]Event, error)
}

// Head is the last link of a chain as recorded in the heads table: its
// sequence number and hash, sealed with MAC so neither can be rolled back
// or forged without the key.
type Head struct {
	Chain string
	Seq   int64
	Hash  string
	MAC   string
}

// ListOptions select a page of one chain's events, for a citizen's access
// history. Zero values mean no bound; Limit 0 means DefaultListLimit.
type ListOptions struct {
	After      int64    // only events with Seq > After
	Before     int64    // only events with Seq < Before (0: no bound)
	Limit      int      // at most this many (1..MaxListLimit)
	Actions    []string // only these actions (empty: all)
	Descending bool     // newest first
}

// Page sizes for List.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// RowError reports a stored event row that cannot even be decoded — its time
// or details column was edited into something unreadable. Verify reports it
// as a broken link.
type RowError struct {
	Chain string
	Seq   int64
	ID    string
	Err   error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("audit row chain %s seq %d (event %s): %v", e.Chain, e.Seq, e.ID, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }
