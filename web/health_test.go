package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/go-jose/go-jose/v4"
)

func TestHealthz(t *testing.T) {
	ts := newServer(t, nil)
	rec := ts.get(t, "/healthz")
	if rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", rec.Code, rec.Body)
	}
}

func TestReadyz(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, func(_ *Config, d *Deps) { d.DB = db })
		if rec := ts.get(t, "/readyz"); rec.Code != 200 {
			t.Fatalf("GET /readyz with the database up = %d %s, want 200", rec.Code, rec.Body)
		}
		db.Close()
		rec := ts.get(t, "/readyz", "Accept-Language: en")
		if rec.Code != 503 {
			t.Fatalf("GET /readyz with the database closed = %d, want 503", rec.Code)
		}
		if p := decodeProblem(t, rec.Body.Bytes()); p.Code != "unavailable" || p.Detail != "The service is not ready." {
			t.Errorf("problem = %+v, want unavailable, not ready", p)
		}
		if strings.Contains(rec.Body.String(), "closed") {
			t.Errorf("readiness problem shows the database error: %s", rec.Body)
		}
	})
}

func TestJWKS(t *testing.T) {
	k1, k2 := testKey(t, "k1"), testKey(t, "k2")
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k1.Public(), k2.Public()}}
	ts := newServer(t, func(_ *Config, d *Deps) { d.Keys = staticKeys{set} })
	rec := ts.get(t, "/.well-known/jwks.json")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/jwk-set+json" {
		t.Fatalf("GET jwks = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var got jose.JSONWebKeySet
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Key("k1")) != 1 || len(got.Key("k2")) != 1 || !got.Keys[0].IsPublic() {
		t.Errorf("JWKS = %+v, want public k1 and k2", got)
	}
	if strings.Contains(rec.Body.String(), `"d"`) {
		t.Errorf("JWKS holds private material: %s", rec.Body)
	}

	empty := newServer(t, func(_ *Config, d *Deps) { d.Keys = staticKeys{} })
	if body := empty.get(t, "/.well-known/jwks.json").Body.String(); body != `{"keys":[]}` {
		t.Errorf("empty JWKS = %s, want {\"keys\":[]}", body)
	}

	leaky := newServer(t, func(_ *Config, d *Deps) {
		d.Keys = staticKeys{jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k1}}}
	})
	rec = leaky.get(t, "/.well-known/jwks.json")
	if rec.Code != 500 || strings.Contains(rec.Body.String(), `"d"`) {
		t.Errorf("JWKS with a private key = %d %s, want 500 without it", rec.Code, rec.Body)
	}
}

type failingKeys struct{}

func (failingKeys) JWKS(context.Context) (jose.JSONWebKeySet, error) {
	return jose.JSONWebKeySet{}, context.DeadlineExceeded
}

func TestJWKSSourceError(t *testing.T) {
	ts := newServer(t, func(_ *Config, d *Deps) { d.Keys = failingKeys{} })
	if rec := ts.get(t, "/.well-known/jwks.json"); rec.Code != 500 {
		t.Errorf("GET jwks with a failing source = %d, want 500", rec.Code)
	}
}
