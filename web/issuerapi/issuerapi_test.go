package issuerapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/issuerapi"
	"github.com/go-jose/go-jose/v4"
)

const (
	publicURL = "http://id.example"
	audience  = publicURL + "/api/v1/issuer"
	phone     = "+79161234567"
)

type noKeys struct{}

func (noKeys) JWKS(context.Context) (jose.JSONWebKeySet, error) { return jose.JSONWebKeySet{}, nil }

// env is the issuer API on a real web.Server over a real database, with
// one active issuer "mvd" (passports) and one citizen.
type env struct {
	t       *testing.T
	is      *issuertest.Env
	srv     *web.Server
	clock   *keystest.Clock
	key     issuertest.Key
	citizen string
	jti     int
}

func newEnv(t *testing.T, db *store.DB) *env {
	e := &env{t: t, clock: keystest.NewClock(), key: issuertest.NewKey(t, "mvd-1")}
	e.is = issuertest.New(t, db, e.clock.Now)
	var err error
	logger := slog.New(slog.DiscardHandler)
	if e.srv, err = web.New(web.Config{PublicURL: publicURL, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: noKeys{}, Clock: e.clock.Now}); err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if err := issuerapi.Register(e.srv, issuerapi.Deps{Issuers: e.is.Issuers, Logger: logger}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	e.addIssuer("mvd", e.key, "passport_ru", "passport_international", "snils")
	e.citizen = e.is.Citizen(t, phone)
	return e
}

func (e *env) addIssuer(id string, k issuertest.Key, types ...string) {
	e.t.Helper()
	if _, err := e.is.Issuers.Add(context.Background(), "op1", issuer.Issuer{ID: id, Name: id, AllowedTypes: types, PublicKeys: k.JWKS()}); err != nil {
		e.t.Fatalf("Add(%s): %v", id, err)
	}
}

// assertion is a fresh valid assertion of iss signed by k.
func (e *env) assertion(iss string, k issuertest.Key) string {
	e.jti++
	return k.Assertion(e.t, issuertest.Claims{Iss: iss, Aud: audience, JTI: fmt.Sprintf("jti-%d", e.jti), Iat: e.clock.Now()})
}

func fixture(t *testing.T, name string) json.RawMessage {
	b, err := os.ReadFile("../../vault/testdata/valid/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type call struct {
	method, path, token, idem string
	lang                      string // Accept-Language; default en
	body                      any
}

func (e *env) do(c call) (int, map[string]any) {
	e.t.Helper()
	w := e.record(c)
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

// record sends c through the real router and returns the recorded answer.
func (e *env) record(c call) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	if c.body != nil {
		json.NewEncoder(&body).Encode(c.body)
	}
	r := httptest.NewRequest(c.method, c.path, &body)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept-Language", "en") // refusal tests match the English texts
	if c.lang != "" {
		r.Header.Set("Accept-Language", c.lang)
	}
	if c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.idem != "" {
		r.Header.Set("Idempotency-Key", c.idem)
	}
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, r)
	return w
}

// push is a PUT of doc (fields JSON, signed by k) of type typ.
func (e *env) push(token, ref, typ, idem string, k issuertest.Key, fields []byte) (int, map[string]any) {
	return e.pushJWS(token, ref, typ, idem, k.Sign(e.t, fields))
}

// pushJWS is a PUT of a signed document.
func (e *env) pushJWS(token, ref, typ, idem, doc string) (int, map[string]any) {
	return e.do(call{method: "PUT", path: "/api/v1/issuer/documents/" + ref, token: token, idem: idem,
		body: map[string]any{"citizen": map[string]string{"phone": phone}, "type": typ, "document": doc}})
}

func TestPushUpdateRevoke(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		passport := fixture(t, "passport_ru")
		code, res := e.push(e.assertion("mvd", e.key), "P-1", "passport_ru", "k1", e.key, passport)
		if code != http.StatusCreated || res["status"] != "valid" || res["created"] != true {
			t.Fatalf("PUT new passport = %d %v, want 201 valid created", code, res)
		}
		id := res["id"]
		c, err := e.is.Accounts.Citizens.Get(context.Background(), e.citizen)
		if err != nil || c.Assurance != account.AssuranceStandard || c.BirthDate.Format(time.DateOnly) != "1985-03-14" {
			t.Errorf("citizen after passport = %s, birth %v, %v; want standard, 1985-03-14", c.Assurance, c.BirthDate, err)
		}
		changed := bytes.Replace(passport, []byte("ОВД района"), []byte("УФМС района"), 1)
		code, res = e.push(e.assertion("mvd", e.key), "P-1", "passport_ru", "k2", e.key, changed)
		if code != http.StatusOK || res["id"] != id || res["created"] != false {
			t.Errorf("PUT changed passport = %d %v, want 200 same id %v", code, res, id)
		}
		code, res = e.do(call{method: "POST", path: "/api/v1/issuer/documents/P-1/revoke", token: e.assertion("mvd", e.key)})
		if code != http.StatusOK || res["status"] != "revoked" || res["id"] != id {
			t.Errorf("POST revoke = %d %v, want 200 revoked", code, res)
		}
		if c, _ := e.is.Accounts.Citizens.Get(context.Background(), e.citizen); c.Assurance != account.AssuranceStandard {
			t.Errorf("assurance after revoke = %s, want standard (never lowered)", c.Assurance)
		}
		code, _ = e.do(call{method: "POST", path: "/api/v1/issuer/documents/NOPE/revoke", token: e.assertion("mvd", e.key)})
		if code != http.StatusNotFound {
			t.Errorf("POST revoke unknown ref = %d, want 404", code)
		}
	})
}

func TestSNILSAddressing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		body := func(snils string) map[string]any {
			return map[string]any{"citizen": map[string]string{"snils": snils}, "type": "passport_ru", "document": e.key.Sign(t, fixture(t, "passport_ru"))}
		}
		code, res := e.do(call{method: "PUT", path: "/api/v1/issuer/documents/P-9", token: e.assertion("mvd", e.key), idem: "a", body: body("112-233-445 95")})
		if code != http.StatusNotFound {
			t.Fatalf("PUT by SNILS before any SNILS document = %d %v, want 404", code, res)
		}
		if code, res := e.push(e.assertion("mvd", e.key), "S-1", "snils", "b", e.key, fixture(t, "snils")); code != http.StatusCreated {
			t.Fatalf("PUT snils = %d %v", code, res)
		}
		code, res = e.do(call{method: "PUT", path: "/api/v1/issuer/documents/P-9", token: e.assertion("mvd", e.key), idem: "c", body: body("11223344595")})
		if code != http.StatusCreated {
			t.Errorf("PUT by SNILS after the SNILS document = %d %v, want 201", code, res)
		}
	})
}
