package audit

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"maps"
	"time"

	"github.com/digitalid/digitalid"
)

// MinKeyLen is the shortest MAC key New accepts.
const MinKeyLen = 32

// Log is the audit log service. It is safe for concurrent use, and several
// instances may share one database.
type Log struct {
	store Store
	seal  sealer
	now   digitalid.Clock
}

// New returns a Log writing to store and sealing with macKey, a secret of at
// least MinKeyLen bytes that must not be kept in the same database (the lead
// derives it from the KeyStore): whoever holds it can rewrite the log
// undetected. now stamps events.
func New(store Store, macKey []byte, now digitalid.Clock) (*Log, error) {
	if store == nil || now == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "audit: store and clock are required")
	}
	if len(macKey) < MinKeyLen {
		return nil, digitalid.Errorf(digitalid.EINVALID, "audit: MAC key must be at least %d bytes", MinKeyLen)
	}
	return &Log{store: store, seal: sealer{key: append([]byte(nil), macKey...)}, now: now}, nil
}

// Append validates e, gives it an id, the time, the next sequence number of
// its chain and its hashes, and stores it; the returned event is what was
// stored. If e opens a new citizen chain, a chain.opened event is appended to
// the system chain in the same transaction.
//
// Returns EINVALID (naming the field) for a bad event, EINTERNAL if the
// chain's head fails its MAC check (the log was tampered with; nothing is
// appended on top of it), or the store's error.
func (l *Log) Append(ctx context.Context, e Event) (Event, error) {
	e.Details = maps.Clone(e.Details)
	if len(e.Details) == 0 {
		e.Details = nil
	}
	if err := validate(&e); err != nil {
		return Event{}, err
	}
	e.Time = truncTime(l.now())
	id, err := newID(e.Time)
	if err != nil {
		return Event{}, err
	}
	e.ID = id
	opened := Event{
		Chain:     SystemChain,
		Time:      e.Time,
		Actor:     Actor{Type: ActorSystem},
		Action:    ActionChainOpened,
		Object:    e.Chain,
		Result:    Success,
		RequestID: e.RequestID,
	}
	if e.Chain != SystemChain {
		if opened.ID, err = newID(e.Time); err != nil {
			return Event{}, err
		}
	}
	var out Event
	err = l.store.AppendAudit(ctx, func(ctx context.Context, tx AppendTx) error {
		head, err := l.lockHead(ctx, tx, e.Chain)
		if err != nil {
			return err
		}
		if head.Seq == 0 && e.Chain != SystemChain {
			sys, err := l.lockHead(ctx, tx, SystemChain)
			if err != nil {
				return err
			}
			if _, err := l.link(ctx, tx, sys, opened); err != nil {
				return err
			}
		}
		out, err = l.link(ctx, tx, head, e)
		return err
	})
	if err != nil {
		return Event{}, fmt.Errorf("audit: append %s to chain %s: %w", e.Action, e.Chain, err)
	}
	return out, nil
}

// lockHead locks and returns a chain's head, refusing one whose MAC is wrong.
func (l *Log) lockHead(ctx context.Context, tx AppendTx, chain string) (Head, error) {
	h, err := tx.LockHead(ctx, chain)
	if err != nil {
		return Head{}, err
	}
	if h.Seq == 0 && h.Hash == "" && h.MAC == "" {
		return h, nil
	}
	if !equalMAC(h.MAC, l.seal.headMAC(h.Chain, h.Seq, h.Hash)) {
		return Head{}, digitalid.Errorf(digitalid.EINTERNAL,
			"audit chain %s has a forged head; run `digitalid audit verify`", chain)
	}
	return h, nil
}

// link seals e as the successor of head, stores it and moves the head.
func (l *Log) link(ctx context.Context, tx AppendTx, head Head, e Event) (Event, error) {
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.Hash = l.seal.eventHash(&e)
	if err := tx.InsertEvent(ctx, e); err != nil {
		return Event{}, err
	}
	next := Head{Chain: e.Chain, Seq: e.Seq, Hash: e.Hash}
	next.MAC = l.seal.headMAC(next.Chain, next.Seq, next.Hash)
	if err := tx.PutHead(ctx, next); err != nil {
		return Event{}, err
	}
	return e, nil
}

// List returns a page of chain's events (a citizen's access history). An
// empty chain means the system chain. Returns EINVALID for bad options.
func (l *Log) List(ctx context.Context, chain string, opts ListOptions) ([]Event, error) {
	if chain == "" {
		chain = SystemChain
	}
	if why := checkToken(chain, false); why != "" {
		return nil, invalid("chain", "chain %s", why)
	}
	switch {
	case opts.Limit == 0:
		opts.Limit = DefaultListLimit
	case opts.Limit < 0 || opts.Limit > MaxListLimit:
		return nil, invalid("limit", "limit must be between 1 and %d", MaxListLimit)
	}
	if opts.After < 0 || opts.Before < 0 {
		return nil, invalid("before", "sequence bounds must not be negative")
	}
	if len(opts.Actions) > MaxDetails {
		return nil, invalid("actions", "at most %d actions", MaxDetails)
	}
	for _, a := range opts.Actions {
		if len(a) > MaxActionLen || !actionPattern.MatchString(a) {
			return nil, invalid("actions", "action filter must be dotted lower-case names")
		}
	}
	evs, err := l.store.ListAuditEvents(ctx, chain, opts)
	if err != nil {
		return nil, fmt.Errorf("audit: list chain %s: %w", chain, err)
	}
	return evs, nil
}

// newID returns a ULID: 48 bits of milliseconds and 80 random bits in
// Crockford base32, so ids sort by time and never collide in practice.
func newID(t time.Time) (string, error) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		return "", fmt.Errorf("audit: random id: %w", err)
	}
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	// 128 bits as 26 base32 digits, the first carrying only 3 bits.
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:]), nil
}
