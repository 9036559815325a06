package oidcweb_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/web/browsertest"
	"golang.org/x/oauth2"
)

// wantPage fails unless the browser shows sel holding want.
func wantPage(t *testing.T, b *browsertest.Browser, sel, want string) {
	t.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.Screenshot("unexpected")
		t.Fatalf("%s = %q, want it to hold %q", sel, got, want)
	}
}

// TestBrowserRealClient runs an ordinary OpenID Connect client —
// golang.org/x/oauth2 with coreos/go-oidc, private_key_jwt through its
// HTTP client — through the whole flow against the server on loopback:
// discovery, authorization with PKCE, sign-in and consent in Chromium
// (one document unticked), code exchange, ID token verification, the
// documents API, refresh with rotation; then the citizen revokes the
// consent in the cabinet and every token is refused at once.
func TestBrowserRealClient(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	to := phone(1)
	_, citizenID, _ := e.signUp(to)
	passport := e.issue(citizenID, "passport_ru")
	e.issue(citizenID, "snils")
	r := e.newRP("Test Bank", []string{"openid", "offline_access", "document:passport_ru", "document:snils"}, []string{"document:passport_ru"})

	ctx := gooidc.ClientContext(context.Background(), r.httpClient())
	prov, err := gooidc.NewProvider(ctx, e.base)
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	conf := oauth2.Config{ClientID: r.client.ID, RedirectURL: r.redirect,
		Endpoint: oauth2.Endpoint{AuthURL: prov.Endpoint().AuthURL, TokenURL: prov.Endpoint().TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{gooidc.ScopeOpenID, gooidc.ScopeOfflineAccess, "document:passport_ru", "document:snils"}}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st-123", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-456"))

	b := browsertest.New(t)
	b.Go(authURL)
	wantPage(t, b, "h1", "Sign in") // not signed in: sign in, then back to the consent
	b.Fill("#phone", to)
	b.ClickNav("#send-code")
	b.Fill("#code", e.code(to))
	b.ClickNav("#check-code")
	b.Fill("#pin", goodPIN)
	b.Fill("#device_name", "Laptop")
	if status := b.ClickNav("#finish"); status != 200 {
		t.Fatalf("sign in: status %d", status)
	}
	wantPage(t, b, "h1", "Share your documents?")
	wantPage(t, b, "#consent-rp", "Test Bank")
	wantPage(t, b, "#consent-scopes", "SNILS")
	wantPage(t, b, "#scope-document-passport_ru-item", "Date of birth")           // the fields it will read
	wantPage(t, b, "#consent-until", time.Now().AddDate(0, 0, 90).Format("2006")) // the year only: no wall-clock date asserted
	b.Screenshot("consent")
	b.Click("#scope-document-snils") // untick SNILS; the passport is required
	b.ClickNav("#consent-approve")
	wantPage(t, b, "#rp", "back at Test Bank")

	q := r.last()
	if q.Get("state") != "st-123" || q.Get("code") == "" {
		t.Fatalf("redirect query = %v, want state and code", q)
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&gooidc.Config{ClientID: r.client.ID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != "n-456" || idt.Subject != e.oidc.Subject(r.client.ID, citizenID) || strings.Contains(idt.Subject, citizenID) {
		t.Fatalf("ID token nonce %q sub %q, want n-456 and the pairwise subject", idt.Nonce, idt.Subject)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token for offline_access")
	}
	// The ID token is signed with the platform key published at /.well-known/jwks.json.
	jwks, _ := e.keys.JWKS(e.ctx)
	if hdr := strings.Split(raw, ".")[0]; !slices.ContainsFunc(jwks.Keys, func(k jose_JSONWebKey) bool { return strings.Contains(decodeHeader(hdr), k.KeyID) }) {
		t.Errorf("ID token header %s names no key of the platform JWKS", decodeHeader(hdr))
	}

	status, docs := e.getJSON("/api/v1/rp/documents", tok.AccessToken)
	if status != 200 {
		t.Fatalf("documents = %d %v", status, docs)
	}
	list, _ := docs["documents"].([]any)
	if len(list) != 1 {
		t.Fatalf("documents = %v, want the passport only (SNILS unticked)", docs)
	}
	d := list[0].(map[string]any)
	if d["type"] != "passport_ru" || d["id"] != passport.ID || d["issuer_signature"] == "" || docs["sub"] != idt.Subject {
		t.Fatalf("document = %v", d)
	}

	// Refresh: a new access token and a rotated refresh token.
	old := tok.RefreshToken
	tok.Expiry = time.Now().Add(-time.Minute)
	tok2, err := conf.TokenSource(ctx, tok).Token()
	if err != nil || tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == old {
		t.Fatalf("refresh = %v, %v; want new tokens", tok2, err)
	}
	if status, _ := e.getJSON("/api/v1/rp/documents", tok2.AccessToken); status != 200 {
		t.Fatalf("documents with the refreshed token = %d", status)
	}

	// Every token issued and every document read is on the citizen's chain.
	evs, err := e.audit.List(e.ctx, citizenID, audit.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	for _, want := range []string{"consent.granted", "oidc.token.issued", "document.read"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit actions %v lack %s", actions, want)
		}
	}

	// The citizen revokes the consent in the cabinet: refused at once.
	b.Go(e.base + "/account/consents")
	wantPage(t, b, "#consent-list", "Test Bank")
	b.Screenshot("consents")
	cs, _ := e.oidc.Consents(e.ctx, citizenID)
	b.ClickNav("#revoke-" + cs[0].ID)
	wantPage(t, b, "#msg", "Access has been revoked.")
	if status, body := e.getJSON("/api/v1/rp/documents", tok2.AccessToken); status != http.StatusUnauthorized {
		t.Fatalf("documents after revocation = %d %v, want 401", status, body)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err == nil ||
		!strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh after revocation = %v, want invalid_grant", err)
	}
	_ = url.Values{}
}

// TestBrowserConsentNeedsFreshPIN: a citizen whose last PIN check is old is
// asked for the PIN before the consent page; declining sends the browser
// back to the relying party with access_denied and grants nothing.
func TestBrowserConsentNeedsFreshPIN(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	to := phone(2)
	_, citizenID, _ := e.signUp(to)
	r := e.newRP("Insurer", []string{"openid", "document:passport_ru"}, nil)
	b := browsertest.New(t)
	b.Go(e.base + "/signin")
	b.Fill("#phone", to)
	b.ClickNav("#send-code")
	b.Fill("#code", e.code(to))
	b.ClickNav("#check-code")
	b.Fill("#pin", goodPIN)
	b.Fill("#device_name", "Laptop")
	b.ClickNav("#finish")
	e.clock.Advance(6 * time.Minute) // the sign-in is too old to consent on

	_, ch := pkce()
	b.Go(e.base + "/authorize?" + r.authParams(ch).Encode())
	wantPage(t, b, "h1", "Confirm it is you")
	b.Fill("#pin", goodPIN)
	b.ClickNav("#confirm-pin")
	wantPage(t, b, "h1", "Share your documents?")
	if got := b.Text("#consent-scopes"); strings.Contains(got, "SNILS") {
		t.Errorf("consent lists %q, want only what was asked", got)
	}
	b.ClickNav("#consent-deny")
	wantPage(t, b, "#rp", "back at Insurer")
	if q := r.last(); q.Get("error") != "access_denied" || q.Get("state") != "s1" || q.Get("code") != "" || q.Get("iss") != e.base {
		t.Fatalf("redirect after declining = %v, want access_denied with the state and iss", q)
	}
	if cs, _ := e.oidc.Consents(e.ctx, citizenID); len(cs) != 0 {
		t.Fatalf("declining stored consents %v", cs)
	}
}
