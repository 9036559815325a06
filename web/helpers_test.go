package web

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/go-jose/go-jose/v4"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// staticKeys is a JWKSource over a fixed set.
type staticKeys struct{ set jose.JSONWebKeySet }

func (k staticKeys) JWKS(context.Context) (jose.JSONWebKeySet, error) { return k.set, nil }

func testKey(t testing.TB, kid string) jose.JSONWebKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

// fixedClock is a clock tests control.
func fixedClock() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }

type testServer struct {
	*Server
	logs *syncBuffer
}

// newServer builds a Server over a real, migrated SQLite database, with the
// given config changes, logging JSON at debug level into a buffer.
func newServer(t testing.TB, change func(*Config, *Deps)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	cfg := Config{PublicURL: "https://id.example", Version: "1.2.3"}
	key := testKey(t, "k1")
	pub := key.Public()
	deps := Deps{
		Logger: NewLogger(logs, "json", slog.LevelDebug),
		DB:     testdb.SQLite(t),
		Keys:   staticKeys{jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}},
		Clock:  fixedClock,
	}
	if change != nil {
		change(&cfg, &deps)
	}
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &testServer{Server: s, logs: logs}
}

// do sends a request through the real handler and returns the recorded
// response. Header lines are "Name: value".
func (ts *testServer) do(t *testing.T, method, target, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// get is do for a GET without a body.
func (ts *testServer) get(t *testing.T, target string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	return ts.do(t, http.MethodGet, target, "", headers...)
}

// htmlEscape escapes s as html/template does in element text.
func htmlEscape(s string) string {
	return strings.ReplaceAll(template.HTMLEscapeString(s), "+", "&#43;")
}

// osDir is the package directory as an fs.FS.
func osDir(dir string) fs.FS { return os.DirFS(dir) }
