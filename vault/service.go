package vault

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/keys"
)

// Notifier is told when an issuer adds, changes or revokes a citizen's
// document, to put a note in the citizen's inbox. kind is one of the
// Notify* constants. Its error is logged, never returned to the issuer: the
// document is stored either way.
type Notifier interface {
	DocumentChanged(ctx context.Context, citizenID, docID, kind string) error
}

// Kinds of Notifier calls.
const (
	NotifyAdded   = "document_added"
	NotifyChanged = "document_changed"
	NotifyRevoked = "document_revoked"
)

// Defaults for Options.
const (
	// DefaultKeyCacheTTL is how long an unwrapped data key is kept in
	// memory. Unwrapping costs 0.2 µs with the file backend but 37 µs with
	// SoftHSM2 (a real HSM over the network, more), against about 80 µs
	// (SQLite) and 250 µs (PostgreSQL) for a whole Get; a citizen browsing
	// their documents reads several in a row. The cache is checked against
	// the wrapped key read with every request, so it never outlives one.
	DefaultKeyCacheTTL = 30 * time.Second
	// DefaultIdempotencyTTL is how long an issuer's idempotency key is
	// remembered.
	DefaultIdempotencyTTL = 24 * time.Hour
	keyCacheEntries       = 10_000
)

// Options are the Service's settings beyond its dependencies.
type Options struct {
	// IndexKey (IndexKeySize bytes, required) keys the MACs that find a
	// document by its issuer's reference and a call by its idempotency
	// key. Load it with LoadIndexKey; every instance must use the same.
	IndexKey []byte
	// Notifier, when set, is told of issuers' changes.
	Notifier Notifier
	// KeyCacheTTL is how long unwrapped data keys stay in memory (0:
	// DefaultKeyCacheTTL; negative: not at all).
	KeyCacheTTL time.Duration
	// IdempotencyTTL is how long idempotency keys are remembered (0:
	// DefaultIdempotencyTTL).
	IdempotencyTTL time.Duration
}

// Secrets gives platform secrets by name; keys.Manager implements it.
type Secrets interface {
	LoadOrCreateSecret(ctx context.Context, name string) ([]byte, error)
}

// LoadIndexKey loads (the first time, creates) the index key, wrapped by the
// KeyStore as the platform secret SecretIndex.
func LoadIndexKey(ctx context.Context, s Secrets) ([]byte, error) {
	k, err := s.LoadOrCreateSecret(ctx, SecretIndex)
	if err != nil {
		return nil, fmt.Errorf("vault: load index key: %w", err)
	}
	return k, nil
}

// Service is the document vault: it stores citizens' documents and scans
// encrypted under their data keys, enforces who may read and change what,
// and audits every change and every read by someone other than the citizen.
// It is safe for concurrent use, and instances sharing a database agree.
type Service struct {
	store    Store
	keys     keys.KeyStore
	reg      *Registry
	audit    *audit.Log
	now      digitalid.Clock
	log      *slog.Logger
	notifier Notifier
	index    indexer
	cache    *keyCache
	idemTTL  time.Duration
}

// NewService returns the vault service. A nil clock is the system clock; a
// nil logger discards.
func NewService(st Store, ks keys.KeyStore, reg *Registry, log *audit.Log, clock digitalid.Clock, logger *slog.Logger, opts Options) (*Service, error) {
	if st == nil || ks == nil || reg == nil || log == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "vault: store, key store, registry and audit log are required")
	}
	if len(opts.IndexKey) != IndexKeySize {
		return nil, digitalid.Errorf(digitalid.EINVALID, "vault: the index key must be %d bytes", IndexKeySize)
	}
	if clock == nil {
		clock = digitalid.SystemClock
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ttl := opts.KeyCacheTTL
	if ttl == 0 {
		ttl = DefaultKeyCacheTTL
	}
	idem := opts.IdempotencyTTL
	if idem <= 0 {
		idem = DefaultIdempotencyTTL
	}
	return &Service{store: st, keys: ks, reg: reg, audit: log, now: clock, log: logger, notifier: opts.Notifier,
		index: indexer{key: append([]byte(nil), opts.IndexKey...)}, cache: newKeyCache(ttl, keyCacheEntries), idemTTL: idem}, nil
}

// ErrShredded is the cause of the ENOTFOUND error every read of a shredded
// citizen's documents returns.
var ErrShredded = errors.New("vault: the citizen's data key was destroyed")

func shredded() error {
	return &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "vault.error.shredded",
		Message: "This citizen's documents were erased.", Err: ErrShredded}
}

// ShredCitizen destroys the citizen's data key and deletes their documents
// and scans, so that nothing of theirs can be decrypted again from this
// database. A backup taken before it still holds the wrapped key and the
// ciphertexts, which the KeyStore can open: backups must expire sooner than
// they are needed to forget (docs/operations.md, "Deleted accounts"). The
// accounts purge job calls it when the restore window of a deleted account
// has passed. It leaves a tombstone so
// no new key is made for the citizen; reads then return ENOTFOUND caused by
// ErrShredded. Returns ENOTFOUND if the citizen does not exist.
func (s *Service) ShredCitizen(ctx context.Context, citizenID string) error {
	if err := s.store.ShredCitizenKey(ctx, citizenID, s.now()); err != nil {
		return fmt.Errorf("vault: shred citizen %s: %w", citizenID, err)
	}
	s.cache.drop(citizenID)
	s.log.InfoContext(ctx, "citizen data key shredded", "citizen", citizenID)
	return s.record(ctx, audit.Event{Chain: citizenID, Actor: audit.Actor{Type: audit.ActorSystem},
		Action: "documents.shredded", Object: "citizen:" + citizenID, Result: audit.Success})
}

// citizenAEAD returns the cipher of the citizen's data key, making the key
// the first time when create is set. Returns ENOTFOUND if there is no key
// (and create is unset, or the citizen does not exist) or it was shredded.
func (s *Service) citizenAEAD(ctx context.Context, citizenID string, create bool) (cipher.AEAD, error) {
	k, err := s.store.CitizenKey(ctx, citizenID)
	if create && digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		k, err = s.createKey(ctx, citizenID)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: data key of %s: %w", citizenID, err)
	}
	if !k.ShreddedAt.IsZero() {
		return nil, shredded()
	}
	now := s.now()
	if a, ok := s.cache.get(citizenID, k.Wrapped.KeyID, k.Wrapped.Ciphertext, now); ok {
		return a, nil
	}
	raw, err := s.keys.Unwrap(ctx, k.Wrapped, dataKeyAAD(citizenID))
	if err != nil {
		return nil, fmt.Errorf("vault: unwrap data key of %s: %w", citizenID, err)
	}
	a, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	s.cache.put(citizenID, k.Wrapped.KeyID, k.Wrapped.Ciphertext, a, now)
	return a, nil
}

func (s *Service) createKey(ctx context.Context, citizenID string) (CitizenKey, error) {
	raw, err := newDataKey()
	if err != nil {
		return CitizenKey{}, err
	}
	defer clear(raw)
	w, err := s.keys.Wrap(ctx, raw, dataKeyAAD(citizenID))
	if err != nil {
		return CitizenKey{}, err
	}
	return s.store.CreateCitizenKey(ctx, CitizenKey{CitizenID: citizenID, Wrapped: w, CreatedAt: s.now()})
}

// notFound turns a missing document of a shredded citizen into the
// shredded error; other errors pass unchanged.
func (s *Service) notFound(ctx context.Context, citizenID string, err error) error {
	if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return err
	}
	if k, kerr := s.store.CitizenKey(ctx, citizenID); kerr == nil && !k.ShreddedAt.IsZero() {
		return shredded()
	}
	return err
}

// record appends an audit event; a failure is returned so the caller knows
// the action went unrecorded.
func (s *Service) record(ctx context.Context, e audit.Event) error {
	if _, err := s.audit.Append(ctx, e); err != nil {
		return fmt.Errorf("vault: audit %s: %w", e.Action, err)
	}
	return nil
}

// docEvent is the audit event of an action on a document.
func docEvent(actor audit.Actor, action string, d Document, details map[string]string) audit.Event {
	if details == nil {
		details = map[string]string{}
	}
	details["type"] = d.TypeID
	details["source"] = string(d.Source)
	return audit.Event{Chain: d.CitizenID, Actor: actor, Action: action, Object: "document:" + d.ID,
		Result: audit.Success, Details: details}
}

// idEncoding is lower-case RFC 4648 base32, which the audit log accepts as
// an opaque id.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a random 128-bit id of 26 characters with at least one
// letter, so that audit objects ("document:<id>") never look like numbers.
func newID() string {
	b := make([]byte, 16)
	for {
		if _, err := rand.Read(b); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		id := idEncoding.EncodeToString(b)
		if strings.ContainsAny(id, "abcdefghijklmnopqrstuvwxyz") {
			return id
		}
	}
}
