package sms

import (
	"context"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
)

// Outbox list limits.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// SealedMessage is an outbox message as stored: the number and body are
// AES-256-GCM ciphertexts (nonce first) bound to ID, and ToMAC is the keyed
// HMAC-SHA256 of the number. Only the Outbox that sealed it can read it.
type SealedMessage struct {
	ID        string
	Purpose   string
	ToMAC     []byte
	To        []byte
	Body      []byte
	CreatedAt time.Time
}

// OutboxQuery selects stored messages. A nil ToMAC matches every recipient;
// a zero Since matches every time; Limit is always positive.
type OutboxQuery struct {
	ToMAC []byte
	Since time.Time
	Limit int
}

// OutboxStore keeps the development outbox. store.DB implements it.
type OutboxStore interface {
	// InsertOutboxSMS stores m. Returns ECONFLICT if a message with m.ID
	// is already stored.
	InsertOutboxSMS(ctx context.Context, m SealedMessage) error
	// ListOutboxSMS returns the messages matching q, newest first (messages
	// stored at the same time: last stored first), at most q.Limit of them.
	ListOutboxSMS(ctx context.Context, q OutboxQuery) ([]SealedMessage, error)
	// DeleteOutboxSMSBefore deletes the messages created before t and
	// returns how many it deleted.
	DeleteOutboxSMSBefore(ctx context.Context, t time.Time) (int64, error)
}

// OutboxEntry is a stored message, decrypted.
type OutboxEntry struct {
	ID        string
	To        string
	Body      string
	Purpose   string
	CreatedAt time.Time
}

// LogValue keeps the number and the text out of logs.
func (e OutboxEntry) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", e.ID),
		slog.String("purpose", e.Purpose),
		slog.Int("body_len", utf8.RuneCountInString(e.Body)),
		slog.Time("created_at", e.CreatedAt),
	)
}

// ListOptions filter Outbox.List. The zero value lists the latest
// DefaultListLimit messages to anyone.
type ListOptions struct {
	To    string    // only messages to this E.164 number (optional)
	Limit int       // at most this many (0: DefaultListLimit; at most MaxListLimit)
	Since time.Time // only messages stored at or after this time (optional)
}

// Outbox is the development Sender: it stores every message, sealed, in the
// database instead of sending it, for the `digitalid sms outbox` command and
// for tests that need the code a citizen would have received. With a shared
// PostgreSQL database every instance writes to and reads the same outbox.
type Outbox struct {
	store  OutboxStore
	seal   *sealer
	now    digitalid.Clock
	logger *slog.Logger
}

var _ Sender = (*Outbox)(nil)

// NewOutbox returns an Outbox storing into st. key is a 32-byte secret
// (from the KeyStore) that seals every row; messages stored under another
// key cannot be read back. A nil clock is the system clock; a nil logger
// discards.
func NewOutbox(st OutboxStore, key []byte, clock digitalid.Clock, logger *slog.Logger) (*Outbox, error) {
	if st == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "sms outbox needs a store")
	}
	s, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = digitalid.SystemClock
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Outbox{store: st, seal: s, now: clock, logger: logger}, nil
}

// Send stores m. A message whose ID is already stored is not stored again
// (the call succeeds), as a de-duplicating gateway would do.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	m, err := prepare(m)
	if err != nil {
		return err
	}
	to, body := o.seal.seal(m)
	err = o.store.InsertOutboxSMS(ctx, SealedMessage{
		ID:        m.ID,
		Purpose:   m.Purpose,
		ToMAC:     o.seal.lookup(m.To),
		To:        to,
		Body:      body,
		CreatedAt: o.now(),
	})
	switch {
	case digitalid.IsCode(err, digitalid.ECONFLICT):
		o.logger.InfoContext(ctx, "sms already in outbox", "sms_id", m.ID, "purpose", m.Purpose)
		return nil
	case err != nil:
		return fmt.Errorf("sms outbox: store message %s: %w", m.ID, err)
	}
	o.logger.InfoContext(ctx, "sms stored in outbox (read it with `digitalid sms outbox`)", "sms_id", m.ID, "purpose", m.Purpose)
	return nil
}

// List returns stored messages, decrypted, newest first. Returns EINVALID
// for a bad number or limit, and EINTERNAL if a row cannot be decrypted
// (it was sealed under another key, or altered).
func (o *Outbox) List(ctx context.Context, opts ListOptions) ([]OutboxEntry, error) {
	q := OutboxQuery{Since: opts.Since, Limit: opts.Limit}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultListLimit
	case q.Limit < 0 || q.Limit > MaxListLimit:
		return nil, digitalid.Errorf(digitalid.EINVALID, "The limit must be between 1 and %d.", MaxListLimit)
	}
	if opts.To != "" {
		if !IsE164(opts.To) {
			return nil, digitalid.Errorf(digitalid.EINVALID, "The phone number is not valid.")
		}
		q.ToMAC = o.seal.lookup(opts.To)
	}
	rows, err := o.store.ListOutboxSMS(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sms outbox: list: %w", err)
	}
	out := make([]OutboxEntry, 0, len(rows))
	for _, r := range rows {
		to, body, err := o.seal.open(r.ID, r.To, r.Body)
		if err != nil {
			return nil, digitalid.Wrap(digitalid.EINTERNAL, err,
				fmt.Sprintf("Outbox message %s cannot be decrypted (stored under another key, or altered).", r.ID))
		}
		out = append(out, OutboxEntry{ID: r.ID, To: to, Body: body, Purpose: r.Purpose, CreatedAt: r.CreatedAt})
	}
	return out, nil
}

// Latest returns the last message stored for the number to. Returns
// ENOTFOUND if there is none and EINVALID for a bad number.
func (o *Outbox) Latest(ctx context.Context, to string) (OutboxEntry, error) {
	if to == "" {
		return OutboxEntry{}, digitalid.Errorf(digitalid.EINVALID, "The phone number is not valid.")
	}
	es, err := o.List(ctx, ListOptions{To: to, Limit: 1})
	if err != nil {
		return OutboxEntry{}, err
	}
	if len(es) == 0 {
		return OutboxEntry{}, digitalid.Errorf(digitalid.ENOTFOUND, "No text message was sent to this number.")
	}
	return es[0], nil
}

// Purge deletes the messages older than age and returns how many it deleted;
// codes in them have long expired. age must be positive.
func (o *Outbox) Purge(ctx context.Context, age time.Duration) (int64, error) {
	if age <= 0 {
		return 0, digitalid.Errorf(digitalid.EINVALID, "The age must be positive.")
	}
	n, err := o.store.DeleteOutboxSMSBefore(ctx, o.now().Add(-age))
	if err != nil {
		return 0, fmt.Errorf("sms outbox: purge: %w", err)
	}
	return n, nil
}
