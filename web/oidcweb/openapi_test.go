package oidcweb_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/internal/testdb"
)

// TestAPIMatchesOpenAPI calls every relying-party API operation (and its
// refusals) and validates each answer against the served OpenAPI document.
func TestAPIMatchesOpenAPI(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	resp, err := http.Get(e.base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	doc := apitest.Load(t, raw)
	r := e.newRP("Bank", []string{"openid", "offline_access", "document:passport_ru", "age_over_18"}, nil)
	c := e.citizen(1)
	tok := e.tokens(r, c, "openid", "offline_access", "document:passport_ru", "age_over_18")
	at := str(tok, "access_token")
	_, list := e.getJSON("/api/v1/consents", c.token)
	id := str(list["consents"].([]any)[0].(map[string]any), "id")

	check := func(method, template, path, token string, want int) {
		t.Helper()
		req, _ := http.NewRequest(method, e.base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, body, want)
		}
		apitest.Validate(t, doc, apitest.Exchange{Method: method, Template: template, Path: path,
			Status: resp.StatusCode, Header: resp.Header, Answer: body})
	}
	check("GET", "/api/v1/rp/documents", "/api/v1/rp/documents", at, 200)
	check("GET", "/api/v1/rp/documents", "/api/v1/rp/documents?format=sd-jwt", at, 200)
	check("GET", "/api/v1/rp/documents", "/api/v1/rp/documents", "garbage", 401)
	check("GET", "/api/v1/consents", "/api/v1/consents", c.token, 200)
	check("GET", "/api/v1/consents/{id}", "/api/v1/consents/"+id, c.token, 200)
	check("GET", "/api/v1/consents/{id}", "/api/v1/consents/cns_nosuchconsent", c.token, 404)
	check("DELETE", "/api/v1/consents/{id}", "/api/v1/consents/"+id, c.token, 204)
	check("GET", "/api/v1/rp/documents", "/api/v1/rp/documents", at, 401)
	check("GET", "/api/v1/consents", "/api/v1/consents", "", 401)
}
