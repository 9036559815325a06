package oidcweb_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/sdjwt"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/oidcweb"
)

// TestDiscovery: the discovery document names our endpoints, the code flow
// only, S256 only, pairwise subjects, PAR and the platform JWKS.
func TestDiscovery(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	resp, err := http.Get(e.base + oidc.PathDiscovery)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 200 {
		t.Fatalf("discovery = %d, %v", resp.StatusCode, err)
	}
	list := func(k string) []string {
		var out []string
		for _, v := range d[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	for k, want := range map[string]string{
		"issuer": e.base, "authorization_endpoint": e.base + oidc.PathAuthorize, "token_endpoint": e.base + oidc.PathToken,
		"jwks_uri": e.base + oidc.PathJWKS, "pushed_authorization_request_endpoint": e.base + oidc.PathPAR,
		"revocation_endpoint": e.base + oidc.PathRevoke, "end_session_endpoint": e.base + oidc.PathEndSession,
		"userinfo_endpoint": e.base + oidc.PathUserinfo,
	} {
		if d[k] != want {
			t.Errorf("%s = %v, want %s", k, d[k], want)
		}
	}
	for k, want := range map[string][]string{
		"response_types_supported":              {"code"},
		"code_challenge_methods_supported":      {"S256"},
		"subject_types_supported":               {"pairwise"},
		"grant_types_supported":                 {"authorization_code", "refresh_token"},
		"id_token_signing_alg_values_supported": {"ES256"},
	} {
		if got := list(k); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if d["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("authorization_response_iss_parameter_supported = %v, want true (RFC 9207)", d["authorization_response_iss_parameter_supported"])
	}
	if s := list("scopes_supported"); !slices.Contains(s, "document:passport_ru") || !slices.Contains(s, "document:snils") {
		t.Errorf("scopes_supported = %v", s)
	}
}

// TestPARRevocationLogout: a pushed request (RFC 9126) is used once; a
// refresh token revoked (RFC 7009) ends its family; RP-initiated logout
// with the ID token ends the relying party's tokens and returns to the
// registered post-logout URI.
func TestPARRevocationLogout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		r := e.newRP("Bank", scopes(), nil)
		c := e.citizen(1)

		// PAR
		v, ch := pkce()
		q := r.authParams(ch, scopes()...)
		q.Set("client_assertion_type", oidc.AssertionType)
		q.Set("client_assertion", r.assertion("", e.base+oidc.PathPAR))
		status, par := e.post(oidc.PathPAR, q)
		if status != 201 || !strings.HasPrefix(str(par, "request_uri"), oidc.RequestURIPrefix) || par["expires_in"] == nil {
			t.Fatalf("PAR = %d %v", status, par)
		}
		bad := r.authParams(ch, "openid", "document:snils")
		bad.Set("client_assertion_type", oidc.AssertionType)
		bad.Set("client_assertion", r.assertion(""))
		if status, body := e.post(oidc.PathPAR, bad); status != 400 || body["error"] != "invalid_scope" {
			t.Errorf("PAR with a scope not allowed = %d %v", status, body)
		}
		if status, body := e.post(oidc.PathPAR, r.authParams(ch)); status != 401 || body["error"] != "invalid_client" {
			t.Errorf("PAR without client authentication = %d %v", status, body)
		}
		byURI := url.Values{"client_id": {r.client.ID}, "request_uri": {str(par, "request_uri")}}
		id := consentID(t, e.get(e.base+oidc.PathAuthorize+"?"+byURI.Encode()))
		if resp := e.get(e.base + oidc.PathAuthorize + "?" + byURI.Encode()); resp.StatusCode != 400 {
			t.Errorf("second use of the request_uri = %d, want 400", resp.StatusCode)
		}
		status, tok := r.exchange(e.approve(id, c), v)
		if status != 200 {
			t.Fatalf("exchange after PAR = %d %v", status, tok)
		}

		// Revocation of the refresh token ends the family.
		status, tok2 := r.refresh(str(tok, "refresh_token"))
		if status != 200 {
			t.Fatalf("refresh = %d %v", status, tok2)
		}
		if status, body := r.refresh(str(tok, "refresh_token")); status != 400 || body["error"] != "invalid_grant" {
			t.Fatalf("reuse of a rotated refresh token = %d %v", status, body)
		}
		if st, _ := e.getJSON("/api/v1/rp/documents", str(tok2, "access_token")); st != 401 {
			t.Errorf("the family's access token after the reuse = %d, want 401", st)
		}
		tok3 := e.tokens(r, c, scopes()...)
		status, _ = e.post(oidc.PathRevoke, url.Values{"token": {str(tok3, "refresh_token")}, "token_type_hint": {"refresh_token"},
			"client_assertion_type": {oidc.AssertionType}, "client_assertion": {r.assertion("")}})
		if status != 200 {
			t.Fatalf("revoke = %d", status)
		}
		if st, body := r.refresh(str(tok3, "refresh_token")); st != 400 || body["error"] != "invalid_grant" {
			t.Errorf("refresh after revocation = %d %v", st, body)
		}
		status, _ = e.post(oidc.PathRevoke, url.Values{"token": {"rt_unknown"},
			"client_assertion_type": {oidc.AssertionType}, "client_assertion": {r.assertion("")}})
		if status != 200 {
			t.Errorf("revoke of an unknown token = %d, want 200 (RFC 7009)", status)
		}

		// RP-initiated logout.
		tok4 := e.tokens(r, c, scopes()...)
		lq := url.Values{"id_token_hint": {str(tok4, "id_token")}, "post_logout_redirect_uri": {r.redirect}, "state": {"bye"}}
		if _, err := e.oidc.Client(e.ctx, r.client.ID); err != nil {
			t.Fatal(err)
		}
		resp := e.get(e.base + oidc.PathEndSession + "?" + lq.Encode())
		if resp.StatusCode != 400 { // not registered as a post-logout URI
			t.Errorf("logout to an unregistered URI = %d %q, want 400", resp.StatusCode, resp.Header.Get("Location"))
		}
		lq.Del("post_logout_redirect_uri")
		resp = e.get(e.base + oidc.PathEndSession + "?" + lq.Encode())
		if resp.StatusCode != 302 {
			t.Fatalf("logout = %d", resp.StatusCode)
		}
		if st, _ := e.getJSON("/api/v1/rp/documents", str(tok4, "access_token")); st != 401 {
			t.Errorf("access token after logout = %d, want 401", st)
		}
		if st, _ := r.refresh(str(tok4, "refresh_token")); st != 400 {
			t.Errorf("refresh after logout = %d, want 400", st)
		}
	})
}

// TestAttestationScope: a relying party granted age_over_18 receives the
// derived fact, not the passport it comes from; the read is audited.
func TestAttestationScope(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	r := e.newRP("Shop", []string{"openid", "age_over_18"}, nil)
	c := e.citizen(1)
	tok := e.tokens(r, c, "openid", "age_over_18")
	status, body := e.getJSON("/api/v1/rp/documents", str(tok, "access_token"))
	if status != 200 {
		t.Fatalf("documents = %d %v", status, body)
	}
	docs, _ := body["documents"].([]any)
	as, _ := body["attestations"].([]any)
	if len(docs) != 0 || len(as) != 1 {
		t.Fatalf("answer = %v, want one attestation and no document", body)
	}
	a := as[0].(map[string]any)
	if a["type"] != "age_over_18" || a["claims"].(map[string]any)["age_over_18"] != true {
		t.Fatalf("attestation = %v", a)
	}
	b, _ := json.Marshal(body)
	if strings.Contains(string(b), "1985") || strings.Contains(string(b), "Иванова") {
		t.Fatalf("the answer leaks the document: %s", b)
	}
}

// TestConsentsAPI: a citizen lists their consents and revokes one; another
// citizen cannot see or revoke it; the relying party is refused at once.
func TestConsentsAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		r := e.newRP("Bank", scopes(), nil)
		c := e.citizen(1)
		stranger := e.citizen(2)
		tok := e.tokens(r, c, scopes()...)
		status, body := e.getJSON("/api/v1/consents", c.token)
		list, _ := body["consents"].([]any)
		if status != 200 || len(list) != 1 {
			t.Fatalf("GET /api/v1/consents = %d %v", status, body)
		}
		cons := list[0].(map[string]any)
		id := str(cons, "id")
		if cons["status"] != "active" || cons["relying_party"].(map[string]any)["name"] != "Bank" {
			t.Fatalf("consent = %v", cons)
		}
		if st, _ := e.getJSON("/api/v1/consents/"+id, stranger.token); st != 404 {
			t.Errorf("another citizen's GET = %d, want 404", st)
		}
		del := func(token string) int {
			req, _ := http.NewRequest("DELETE", e.base+"/api/v1/consents/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if st := del(stranger.token); st != 404 {
			t.Errorf("another citizen's DELETE = %d, want 404", st)
		}
		if st, _ := e.getJSON("/api/v1/rp/documents", str(tok, "access_token")); st != 200 {
			t.Fatalf("documents before revocation = %d", st)
		}
		if st := del(c.token); st != 204 {
			t.Fatalf("DELETE = %d, want 204", st)
		}
		if st, _ := e.getJSON("/api/v1/rp/documents", str(tok, "access_token")); st != 401 {
			t.Errorf("documents after revocation = %d, want 401", st)
		}
		if st, body := e.getJSON("/api/v1/consents/"+id, c.token); st != 200 || body["status"] != "revoked" || body["revoked_at"] == nil {
			t.Errorf("GET after revocation = %d %v", st, body)
		}
		if st := del(c.token); st != 204 {
			t.Errorf("second DELETE = %d, want 204 (nothing changes)", st)
		}
		if st, _ := e.getJSON("/api/v1/consents", ""); st != 401 {
			t.Errorf("without a session = %d, want 401", st)
		}
	})
}

// TestDocumentsSDJWT: with ?format=sd-jwt each granted document also comes
// as an SD-JWT VC signed by the platform, verifiable with the platform's
// JWKS, for the pairwise subject, disclosing the document's fields.
func TestDocumentsSDJWT(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	r := e.newRP("Bank", scopes(), nil)
	c := e.citizen(1)
	tok := e.tokens(r, c, scopes()...)
	status, body := e.getJSON("/api/v1/rp/documents?format=sd-jwt", str(tok, "access_token"))
	if status != 200 {
		t.Fatalf("documents = %d %v", status, body)
	}
	d := body["documents"].([]any)[0].(map[string]any)
	jwks, _ := e.keys.JWKS(e.ctx)
	v, err := sdjwt.Verify(str(d, "sd_jwt"), sdjwt.VerifyOptions{IssuerKeys: &jwks, Issuer: e.base, Now: e.clock.Now})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	doc, _ := v.Claims["document"].(map[string]any)
	if v.VCT != oidcweb.VCTPrefix+"passport_ru" || v.Claims["sub"] != body["sub"] || doc["surname"] != "Иванова" || len(v.Disclosed) != len(d["fields"].(map[string]any)) {
		t.Fatalf("SD-JWT VC claims = %v (disclosed %v)", v.Claims, v.Disclosed)
	}
	if status, _ := e.getJSON("/api/v1/rp/documents?format=xml", str(tok, "access_token")); status != 400 {
		t.Errorf("format=xml = %d, want 400", status)
	}
}

// TestTwoInstances: two servers over one PostgreSQL database behave as one
// provider — a code issued by one is exchanged at the other, once; an
// assertion used at one is refused at the other; a consent revoked through
// one ends the tokens the other serves.
func TestTwoInstances(t *testing.T) {
	db := testdb.Postgres(t)
	sec := newSecrets()
	a := newInstance(t, db, sec)
	sec.publicURL = a.base
	b := newInstance(t, db, sec)
	r := a.newRP("Bank", scopes(), nil)
	c := a.citizen(1)

	v, ch := pkce()
	code := a.codeFor(r.authParams(ch, scopes()...), c)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {v}, "redirect_uri": {r.redirect},
		"client_assertion_type": {oidc.AssertionType}, "client_assertion": {r.assertion("")}}
	status, tok := b.post(oidc.PathToken, form)
	if status != 200 {
		t.Fatalf("exchange at the other instance = %d %v", status, tok)
	}
	form.Set("client_assertion", r.assertion(""))
	if status, body := a.post(oidc.PathToken, form); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("the same code at the first instance = %d %v", status, body)
	}
	if st, _ := b.getJSON("/api/v1/rp/documents", str(tok, "access_token")); st != 401 {
		t.Fatalf("the reused code's token at the other instance = %d, want 401 (revoked)", st)
	}
	tok = a.tokens(r, c, scopes()...)
	used := r.assertion("once-only")
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {str(tok, "refresh_token")},
		"client_assertion_type": {oidc.AssertionType}, "client_assertion": {used}}
	status, tok2 := a.post(oidc.PathToken, refresh)
	if status != 200 {
		t.Fatalf("refresh at the first instance = %d %v", status, tok2)
	}
	refresh.Set("refresh_token", str(tok2, "refresh_token"))
	if status, body := b.post(oidc.PathToken, refresh); status != 401 || body["error"] != "invalid_client" {
		t.Fatalf("the assertion replayed at the other instance = %d %v", status, body)
	}
	if st, _ := b.getJSON("/api/v1/rp/documents", str(tok2, "access_token")); st != 200 {
		t.Fatalf("documents at the other instance = %d", st)
	}
	// The citizen has two consents to the bank (one per authorization, made
	// at the same instant of the test clock, so their order is the ids');
	// revoking both must refuse tok2 at the other instance.
	cs, _ := a.oidc.Consents(a.ctx, c.id)
	for _, cv := range cs {
		if cv.Status != "active" {
			continue
		}
		if err := a.oidc.RevokeConsent(a.ctx, c.id, cv.ID, "192.0.2.1", ""); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := b.getJSON("/api/v1/rp/documents", str(tok2, "access_token")); st != 401 {
		t.Fatalf("documents at the other instance after revocation = %d, want 401", st)
	}
}

// TestUserinfo: the userinfo endpoint answers the pairwise subject while
// the consent lives, and refuses the token once it is revoked.
func TestUserinfo(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	r := e.newRP("Bank", scopes(), nil)
	c := e.citizen(1)
	tok := e.tokens(r, c, scopes()...)
	status, body := e.getJSON(oidc.PathUserinfo, str(tok, "access_token"))
	if status != 200 || body["sub"] != e.oidc.Subject(r.client.ID, c.id) || len(body) != 1 {
		t.Fatalf("userinfo = %d %v, want the pairwise subject only", status, body)
	}
	cs, _ := e.oidc.Consents(e.ctx, c.id)
	if err := e.oidc.RevokeConsent(e.ctx, c.id, cs[0].ID, "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.getJSON(oidc.PathUserinfo, str(tok, "access_token")); status != 401 && status != 403 {
		t.Fatalf("userinfo after revocation = %d, want 401", status)
	}
}
