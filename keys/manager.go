package keys

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/digitalid/digitalid"
)

// Defaults for Config.
const (
	DefaultPublishFor = 30 * 24 * time.Hour
	DefaultCacheFor   = 30 * time.Second
)

// Config configures a Manager. Store and Backend are required.
type Config struct {
	Store Store
	// Backend makes new keys (on first start and on rotation).
	Backend Backend
	// Others open keys made earlier by other backends, for example the file
	// keys that still unwrap old data after moving to an HSM.
	Others []Backend
	Now    digitalid.Clock // default digitalid.SystemClock
	Logger *slog.Logger    // default: discard
	// PublishFor is how long a retired signing key stays in the JWKS, so that
	// tokens signed just before a rotation still verify (default 30 days).
	PublishFor time.Duration
	// CacheFor is how long the active keys are remembered before the
	// database is asked again, which bounds how long an instance keeps
	// signing with a key another instance has retired (default 30 s).
	CacheFor time.Duration
}

// Manager is the KeyStore: it keeps key records in the Store, private halves
// in a Backend, and the active keys briefly in memory. Several Managers on
// several instances sharing one database behave as one.
type Manager struct {
	store      Store
	backend    Backend
	backends   map[string]Backend
	now        digitalid.Clock
	log        *slog.Logger
	publishFor time.Duration
	cacheFor   time.Duration

	mu     sync.Mutex
	active map[slot]cached    // (purpose, alg) -> id of the active key
	meta   map[string]cached  // id -> description, for PublicKey
	loaded map[string]*loaded // id -> private half; never changes for an id
}

var _ KeyStore = (*Manager)(nil)

type slot struct {
	purpose Purpose
	alg     Alg
}

type cached struct {
	key    Key
	readAt time.Time
}

// loaded is a key whose private half the backend has opened.
type loaded struct {
	key    Key
	signer *signer // signing keys
	aead   AEAD    // wrapping keys
}

// defaultKeys are the keys EnsureKeys makes on first start.
func defaultKeys() []slot {
	return []slot{{PurposeSign, ES256}, {PurposeSign, EdDSA}, {PurposeWrap, A256GCM}}
}

// NewManager returns a Manager; call EnsureKeys once at start-up.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Store == nil || cfg.Backend == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "keys: a store and a backend are required")
	}
	m := &Manager{
		store:      cfg.Store,
		backend:    cfg.Backend,
		backends:   map[string]Backend{},
		now:        cfg.Now,
		log:        cfg.Logger,
		publishFor: cfg.PublishFor,
		cacheFor:   cfg.CacheFor,
		active:     map[slot]cached{},
		meta:       map[string]cached{},
		loaded:     map[string]*loaded{},
	}
	for _, b := range append([]Backend{cfg.Backend}, cfg.Others...) {
		if _, dup := m.backends[b.Name()]; dup {
			return nil, digitalid.Errorf(digitalid.EINVALID, "keys: two backends named %q", b.Name())
		}
		m.backends[b.Name()] = b
	}
	if m.now == nil {
		m.now = digitalid.SystemClock
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.publishFor <= 0 {
		m.publishFor = DefaultPublishFor
	}
	if m.cacheFor <= 0 {
		m.cacheFor = DefaultCacheFor
	}
	return m, nil
}

// NewKeyID returns a random key id (128 bits, URL-safe base64).
func NewKeyID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// EnsureKeys makes the active ES256 and EdDSA signing keys and the A256GCM
// wrapping key when they do not exist yet, and checks that this instance can
// open the existing ones (right master key, HSM reachable). It is safe when
// several instances start at once: one key per (purpose, alg) wins and the
// others are discarded.
func (m *Manager) EnsureKeys(ctx context.Context) error {
	for _, s := range defaultKeys() {
		_, err := m.store.ActiveKeyRecord(ctx, s.purpose, s.alg)
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			_, err = m.activate(ctx, s, Retirement{})
		}
		if err != nil {
			return fmt.Errorf("keys: ensure %s %s key: %w", s.alg, s.purpose, err)
		}
		if _, err := m.activeKey(ctx, s.purpose, s.alg); err != nil {
			return fmt.Errorf("keys: open %s %s key: %w", s.alg, s.purpose, err)
		}
	}
	return nil
}

// Rotate implements KeyStore. A retired signing key is published for
// Config.PublishFor; a retired wrapping key opens old data forever. When
// another instance rotates the same key at the same moment, both calls
// return the one new key that won.
func (m *Manager) Rotate(ctx context.Context, purpose Purpose, alg Alg) (Key, error) {
	if err := CheckPurposeAlg(purpose, alg); err != nil {
		return Key{}, err
	}
	var prev Retirement
	cur, err := m.store.ActiveKeyRecord(ctx, purpose, alg)
	switch digitalid.ErrorCode(err) {
	case "":
		now := m.now()
		prev = Retirement{ID: cur.ID, At: now}
		if purpose == PurposeSign {
			prev.ExpiresAt = now.Add(m.publishFor)
		}
	case digitalid.ENOTFOUND:
	default:
		return Key{}, fmt.Errorf("keys: rotate: %w", err)
	}
	k, err := m.activate(ctx, slot{purpose, alg}, prev)
	if err != nil {
		return Key{}, fmt.Errorf("keys: rotate %s %s key: %w", alg, purpose, err)
	}
	return k, nil
}

// activate makes a new key and stores it as the active one for s, retiring
// prev. When another instance got there first it discards its own key and
// returns the winner's.
func (m *Manager) activate(ctx context.Context, s slot, prev Retirement) (Key, error) {
	r, err := m.backend.Generate(ctx, NewKeyID(), s.purpose, s.alg)
	if err != nil {
		return Key{}, err
	}
	r.State, r.CreatedAt, r.RetiredAt, r.ExpiresAt = StateActive, m.now(), time.Time{}, time.Time{}
	err = m.store.ActivateKey(ctx, r, prev)
	m.forget(s)
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		m.log.InfoContext(ctx, "another instance made the key first; discarding ours", "key", r)
		if err := m.backend.Discard(ctx, r); err != nil {
			m.log.WarnContext(ctx, "could not discard an unused key", "key", r, "err", err)
		}
		winner, err := m.store.ActiveKeyRecord(ctx, s.purpose, s.alg)
		if err != nil {
			return Key{}, err
		}
		return winner.Key, nil
	}
	if err != nil {
		if derr := m.backend.Discard(ctx, r); derr != nil {
			m.log.WarnContext(ctx, "could not discard an unused key", "key", r, "err", derr)
		}
		return Key{}, err
	}
	if prev.ID != "" {
		m.log.InfoContext(ctx, "key rotated", "key", r, "retired", prev.ID)
	} else {
		m.log.InfoContext(ctx, "key created", "key", r)
	}
	return r.Key, nil
}

// forget drops the cached active key of s, after this instance changed it.
func (m *Manager) forget(s slot) {
	m.mu.Lock()
	delete(m.active, s)
	m.mu.Unlock()
}

// fresh reports whether something read at readAt may still be used at now.
func (m *Manager) fresh(readAt, now time.Time) bool {
	return !now.Before(readAt) && now.Sub(readAt) < m.cacheFor
}

// Signer implements KeyStore.
func (m *Manager) Signer(ctx context.Context, alg Alg) (Signer, error) {
	if err := CheckPurposeAlg(PurposeSign, alg); err != nil {
		return nil, err
	}
	l, err := m.activeKey(ctx, PurposeSign, alg)
	if err != nil {
		return nil, err
	}
	return l.signer, nil
}

// activeKey returns the opened active key for (purpose, alg), from memory
// when it was read less than CacheFor ago.
func (m *Manager) activeKey(ctx context.Context, purpose Purpose, alg Alg) (*loaded, error) {
	s, now := slot{purpose, alg}, m.now()
	m.mu.Lock()
	c, ok := m.active[s]
	l := m.loaded[c.key.ID]
	m.mu.Unlock()
	if ok && l != nil && m.fresh(c.readAt, now) {
		return l, nil
	}
	r, err := m.store.ActiveKeyRecord(ctx, purpose, alg)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return nil, digitalid.Wrap(digitalid.ENOTFOUND, err, fmt.Sprintf("no active %s %s key", alg, purpose))
	}
	if err != nil {
		return nil, err
	}
	if l, err = m.open(ctx, r); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.active[s] = cached{key: r.Key, readAt: now}
	m.mu.Unlock()
	return l, nil
}

// keyByID returns the opened key id of the given purpose, asking the
// database when this instance has not opened it yet (a key made by another
// instance). Returns ENOTFOUND for an unknown id or one of another purpose.
func (m *Manager) keyByID(ctx context.Context, id string, purpose Purpose) (*loaded, error) {
	m.mu.Lock()
	l := m.loaded[id]
	m.mu.Unlock()
	if l == nil {
		if CheckKeyID(id) != nil {
			return nil, digitalid.Errorf(digitalid.ENOTFOUND, "unknown %s key", purpose)
		}
		r, err := m.store.KeyRecord(ctx, id)
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return nil, digitalid.Wrap(digitalid.ENOTFOUND, err, fmt.Sprintf("unknown %s key", purpose))
		}
		if err != nil {
			return nil, err
		}
		if l, err = m.open(ctx, r); err != nil {
			return nil, err
		}
	}
	if l.key.Purpose != purpose {
		return nil, digitalid.Errorf(digitalid.ENOTFOUND, "unknown %s key", purpose)
	}
	return l, nil
}

// open asks the key's backend for its private half, once per key id.
func (m *Manager) open(ctx context.Context, r Record) (*loaded, error) {
	m.mu.Lock()
	l := m.loaded[r.ID]
	m.mu.Unlock()
	if l != nil {
		return l, nil
	}
	b := m.backends[r.Backend]
	if b == nil {
		return nil, fmt.Errorf("key %s is held by backend %q, which this instance is not configured with", r.ID, r.Backend)
	}
	// The opened key keeps only what never changes: its state is read afresh.
	k := Key{ID: r.ID, Purpose: r.Purpose, Alg: r.Alg, Backend: r.Backend, CreatedAt: r.CreatedAt, Public: r.Public}
	l = &loaded{key: k}
	switch r.Purpose {
	case PurposeSign:
		priv, err := b.Signer(ctx, r)
		if err != nil {
			return nil, err
		}
		l.signer = &signer{key: k, priv: priv}
	case PurposeWrap:
		aead, err := b.AEAD(ctx, r)
		if err != nil {
			return nil, err
		}
		l.aead = aead
	default:
		return nil, fmt.Errorf("key %s has unknown purpose %q", r.ID, r.Purpose)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev := m.loaded[r.ID]; prev != nil {
		return prev, nil
	}
	m.loaded[r.ID] = l
	return l, nil
}
