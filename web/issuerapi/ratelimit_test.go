package issuerapi_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/issuerapi"
)

// limitedServer is the issuer API over db with its own issuer service
// limited to rate, on clock: one server instance.
func limitedServer(t *testing.T, db *store.DB, clock *keystest.Clock, rate account.Rate) *web.Server {
	t.Helper()
	is := issuertest.New(t, db, clock.Now)
	reg, err := vault.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, issuer.IndexKeySize)
	_, _ = rand.Read(key)
	svc, err := issuer.New(issuer.Config{Store: db, Vault: is.Vault, Citizens: is.Accounts.Citizens, Types: issuer.TypesOf(reg),
		Audit: is.Audit, IndexKey: key, Clock: clock.Now, Rate: rate})
	if err != nil {
		t.Fatalf("issuer.New: %v", err)
	}
	logger := slog.New(slog.DiscardHandler)
	srv, err := web.New(web.Config{PublicURL: publicURL, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: noKeys{}, Clock: clock.Now})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if err := issuerapi.Register(srv, issuerapi.Deps{Issuers: svc, Logger: logger, Clock: clock.Now}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return srv
}

// TestIssuerRateLimitAcrossInstances: an issuer's calls are counted per
// issuer in the database: of 40 concurrent calls split across two server
// instances on one PostgreSQL database, exactly the 10 allowed a minute get
// through and 30 get 429 problem+json with Retry-After; calls with a bad
// signature or a replayed assertion spend nothing; another issuer is not
// affected; the next window lets the issuer in again.
func TestIssuerRateLimitAcrossInstances(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	clock := keystest.NewClock()
	rate := account.Rate{Max: 10, Window: time.Minute}
	a := limitedServer(t, testdb.Open(t, dsn), clock, rate)
	b := limitedServer(t, testdb.Open(t, dsn), clock, rate)
	e := &env{t: t, clock: clock, srv: a, key: issuertest.NewKey(t, "mvd-1")}
	e.is = issuertest.New(t, testdb.Open(t, dsn), clock.Now)
	e.addIssuer("mvd", e.key, "passport_ru")
	other := issuertest.NewKey(t, "fns-1")
	e.addIssuer("fns", other, "inn")

	revoke := func(srv *web.Server, token string) (int, http.Header, map[string]any) {
		e.srv = srv
		code, body, h := e.doFull(call{method: "POST", path: "/api/v1/issuer/documents/NOPE/revoke", token: token})
		return code, h, body
	}
	forged := issuertest.NewKey(t, "mvd-1")
	for range 5 {
		if code, _, _ := revoke(a, e.assertion("mvd", forged)); code != http.StatusUnauthorized {
			t.Fatalf("forged assertion = %d, want 401", code)
		}
	}

	const n = 40
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = e.assertion("mvd", e.key)
	}
	var passed, limited atomic.Int64
	codes := make([]int, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range n {
		wg.Go(func() {
			srv := a
			if i%2 == 1 {
				srv = b
			}
			code, body, h := (&env{t: t, srv: srv}).doFull(call{method: "POST", path: "/api/v1/issuer/documents/NOPE/revoke", token: tokens[i]})
			codes[i] = code
			switch code {
			case http.StatusNotFound: // authenticated and counted: there is no such document
				passed.Add(1)
			case http.StatusTooManyRequests:
				limited.Add(1)
				secs, err := strconv.Atoi(h.Get("Retry-After"))
				mu.Lock()
				defer mu.Unlock()
				if err != nil || secs < 1 || secs > 60 || body["code"] != "rate_limited" || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
					t.Errorf("429 answer: Retry-After %q, body %v, type %q; want 1..60 s, code rate_limited, problem+json",
						h.Get("Retry-After"), body, h.Get("Content-Type"))
				}
			default:
				mu.Lock()
				defer mu.Unlock()
				t.Errorf("call %d = %d %v", i, code, body)
			}
		})
	}
	wg.Wait()
	if passed.Load() != int64(rate.Max) || limited.Load() != n-int64(rate.Max) {
		t.Errorf("%d concurrent calls on two instances: %d through, %d limited; want %d and %d", n, passed.Load(), limited.Load(), rate.Max, n-rate.Max)
	}
	if code, _, body := revoke(b, e.assertion("fns", other)); code != http.StatusNotFound {
		t.Errorf("another issuer during mvd's limit = %d %v, want 404", code, body)
	}
	clock.Advance(time.Minute)
	// Every assertion of the burst was spent, limited or not: replaying one
	// is refused before it is counted, so it cannot use up the budget.
	for i := range 15 {
		if code, _, body := revoke(b, tokens[i]); code != http.StatusUnauthorized {
			t.Errorf("assertion %d (first answered %d) replayed = %d %v, want 401", i, codes[i], code, body)
		}
	}
	if code, _, body := revoke(a, e.assertion("mvd", e.key)); code != http.StatusNotFound {
		t.Errorf("mvd in the next window = %d %v, want 404", code, body)
	}
	var rows int
	if err := e.is.DB.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM account_rate_limits WHERE bucket = 'issuer'").Scan(&rows); err != nil || rows == 0 {
		t.Errorf("rate-limit rows of bucket issuer = %d, %v; want the counters in the database", rows, err)
	}
}

// doFull is do with the response headers.
func (e *env) doFull(c call) (int, map[string]any, http.Header) {
	e.t.Helper()
	rec := e.record(c)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out, rec.Header()
}

// TestIssuerErrorsTranslated: the issuer API's refusals come in the
// language asked for (every issuer.error key has ru, kk and en texts; the
// i18n tests check the files agree).
func TestIssuerErrorsTranslated(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	for lang, want := range map[string]string{
		"ru": "уже использован", "kk": "бұрын қолданылған", "en": "already used",
	} {
		token := e.assertion("mvd", e.key)
		e.do(call{method: "POST", path: "/api/v1/issuer/documents/NOPE/revoke", token: token})
		code, body := e.do(call{method: "POST", path: "/api/v1/issuer/documents/NOPE/revoke", token: token, lang: lang})
		if d, _ := body["detail"].(string); code != http.StatusUnauthorized || !strings.Contains(d, want) {
			t.Errorf("replayed assertion in %s = %d %v, want 401 with %q", lang, code, body, want)
		}
	}
	for lang, want := range map[string]string{"ru": "Нет гражданина", "kk": "азамат жоқ", "en": "No citizen"} {
		code, body := e.do(call{method: "PUT", path: "/api/v1/issuer/documents/P-1", token: e.assertion("mvd", e.key), idem: "k-" + lang, lang: lang,
			body: map[string]any{"citizen": map[string]string{"phone": "+79990000000"}, "type": "passport_ru", "document": e.key.Sign(t, fixture(t, "passport_ru"))}})
		if d, _ := body["detail"].(string); code != http.StatusNotFound || !strings.Contains(d, want) {
			t.Errorf("unknown citizen in %s = %d %v, want 404 with %q", lang, code, body, want)
		}
	}
}
