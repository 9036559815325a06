package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/store/storetest"
	"github.com/digitalid/digitalid/vault"
)

// testClock is a clock that moves only when told to.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// notifications records Notifier calls.
type notifications struct {
	mu    sync.Mutex
	calls []string // "citizen doc kind"
}

func (n *notifications) DocumentChanged(ctx context.Context, citizenID, docID, kind string) error {
	n.mu.Lock()
	n.calls = append(n.calls, citizenID+" "+docID+" "+kind)
	n.mu.Unlock()
	return nil
}

func (n *notifications) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.calls...)
}

// countingKeys counts Unwrap calls of a KeyStore.
type countingKeys struct {
	keys.KeyStore
	mu      sync.Mutex
	unwraps int
}

func (k *countingKeys) Unwrap(ctx context.Context, w keys.Wrapped, aad []byte) ([]byte, error) {
	k.mu.Lock()
	k.unwraps++
	k.mu.Unlock()
	return k.KeyStore.Unwrap(ctx, w, aad)
}

func (k *countingKeys) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.unwraps
}

// env is a vault service over a real database with a file-backed KeyStore,
// a real audit log, a test clock, a recording notifier and a log buffer.
type env struct {
	db     *store.DB
	svc    *vault.Service
	reg    *vault.Registry
	keys   *countingKeys
	audit  *audit.Log
	clock  *testClock
	notes  *notifications
	logBuf *bytes.Buffer
}

// t0 is when every test starts.
func t0() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }

func newEnv(t testing.TB, db *store.DB, opts vault.Options) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: db, clock: &testClock{t: t0()}, notes: &notifications{}, logBuf: &bytes.Buffer{}}
	backend, err := keys.NewFileBackend(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatalf("keys.NewFileBackend: %v", err)
	}
	m, err := keys.NewManager(keys.Config{Store: db, Backend: backend, Now: e.clock.Now})
	if err != nil {
		t.Fatalf("keys.NewManager: %v", err)
	}
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatalf("EnsureKeys: %v", err)
	}
	e.keys = &countingKeys{KeyStore: m}
	if e.audit, err = audit.New(db, bytes.Repeat([]byte{9}, 32), e.clock.Now); err != nil {
		t.Fatalf("audit.New: %v", err)
	}
	if e.reg, err = vault.NewRegistry(); err != nil {
		t.Fatalf("vault.NewRegistry: %v", err)
	}
	if opts.IndexKey == nil {
		if opts.IndexKey, err = vault.LoadIndexKey(ctx, m); err != nil {
			t.Fatalf("LoadIndexKey: %v", err)
		}
	}
	if opts.Notifier == nil {
		opts.Notifier = e.notes
	}
	logger := slog.New(slog.NewJSONHandler(e.logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if e.svc, err = vault.NewService(db, e.keys, e.reg, e.audit, e.clock.Now, logger, opts); err != nil {
		t.Fatalf("vault.NewService: %v", err)
	}
	return e
}

// citizen creates a citizen row and returns its id.
func (e *env) citizen(t testing.TB, id string) string {
	t.Helper()
	storetest.VaultCitizen(t, e.db, id)
	return id
}

// events returns the actions on a citizen's audit chain, oldest first.
func (e *env) events(t testing.TB, chain string) []audit.Event {
	t.Helper()
	evs, err := e.audit.List(context.Background(), chain, audit.ListOptions{Limit: audit.MaxListLimit})
	if err != nil {
		t.Fatalf("audit List(%s): %v", chain, err)
	}
	return evs
}

func actions(evs []audit.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

// example returns testdata/valid/<type>.json with edits applied.
func example(t testing.TB, typeID string, edits map[string]any) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "valid", typeID+".json"))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse example %s: %v", typeID, err)
	}
	for k, v := range edits {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return out
}

// jws returns a compact JWS-shaped string whose payload is body, as an
// issuer would sign it (the vault keeps it verbatim and does not verify it).
func jws(body []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"ES256","kid":"mvd-1"}`)) + "." + enc.EncodeToString(body) + "." +
		enc.EncodeToString(bytes.Repeat([]byte{0xab}, 64))
}

// pngBytes encodes a small w×h PNG.
func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("png.Encode: %v", err)
	}
	return buf.Bytes()
}

func decodePNG(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }

func wantCode(t testing.TB, call string, err error, code string) {
	t.Helper()
	if got := digitalid.ErrorCode(err); got != code {
		t.Errorf("%s = %v, want %s", call, err, code)
	}
}

// rowCounts counts the rows of the vault's and audit log's tables.
func rowCounts(t testing.TB, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"vault_citizen_keys", "vault_documents", "vault_files", "vault_idempotency", "audit_events"} {
		var n int
		if err := db.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}
