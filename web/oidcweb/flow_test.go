package oidcweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/oidc"
)

// citizenCtx is a signed-up citizen in a protocol test.
type citizenCtx struct {
	token, id, device string
}

// noRedirect is an HTTP client that shows redirects instead of following.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get sends a GET without following redirects.
func (e *env) get(u string) *http.Response {
	e.t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// authParams are a valid authorization request of r.
func (r *rp) authParams(challenge string, scopes ...string) url.Values {
	if len(scopes) == 0 {
		scopes = []string{"openid", "document:passport_ru"}
	}
	return url.Values{"client_id": {r.client.ID}, "redirect_uri": {r.redirect}, "response_type": {"code"},
		"scope": {strings.Join(scopes, " ")}, "state": {"s1"}, "nonce": {"n1"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
}

// consentID returns the request id of a redirect to the consent page.
func consentID(t testing.TB, resp *http.Response) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, oidc.ConsentPath+"/")
	if resp.StatusCode != http.StatusFound || !ok {
		t.Fatalf("authorize = %d to %q, want a redirect to the consent page", resp.StatusCode, loc)
	}
	return id
}

// code runs the authorization of q for c, approving every scope, and
// returns the code the relying party receives.
func (e *env) codeFor(q url.Values, c citizenCtx) string {
	e.t.Helper()
	id := consentID(e.t, e.get(e.base+oidc.PathAuthorize+"?"+q.Encode()))
	return e.approve(id, c)
}

func (e *env) approve(id string, c citizenCtx) string {
	e.t.Helper()
	req, _, err := e.oidc.Pending(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Pending(%s): %v", id, err)
	}
	if _, _, err := e.oidc.Approve(e.ctx, oidc.Approval{RequestID: id, CitizenID: c.id, DeviceID: c.device, AuthTime: e.clock.Now(),
		Ticked: req.Params.Scopes, IP: "192.0.2.1"}); err != nil {
		e.t.Fatalf("Approve: %v", err)
	}
	resp := e.get(e.base + e.provider.CallbackURL(id))
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || u.Query().Get("code") == "" {
		e.t.Fatalf("callback = %d to %q, want the code", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := u.Query().Get("iss"); got != e.base {
		e.t.Fatalf("callback iss = %q, want the issuer %q (RFC 9207)", got, e.base)
	}
	return u.Query().Get("code")
}

// exchange posts a code exchange with a fresh assertion.
func (r *rp) exchange(code, verifier string) (int, map[string]any) {
	return r.e.post(oidc.PathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {r.redirect}, "client_id": {r.client.ID},
		"client_assertion_type": {oidc.AssertionType}, "client_assertion": {r.assertion("")}})
}

// refresh posts a refresh grant.
func (r *rp) refresh(token string) (int, map[string]any) {
	return r.e.post(oidc.PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token},
		"client_assertion_type": {oidc.AssertionType}, "client_assertion": {r.assertion("")}})
}

// tokens runs the whole flow and returns the token response.
func (e *env) tokens(r *rp, c citizenCtx, scopes ...string) map[string]any {
	e.t.Helper()
	v, ch := pkce()
	status, tok := r.exchange(e.codeFor(r.authParams(ch, scopes...), c), v)
	if status != 200 {
		e.t.Fatalf("exchange = %d %v", status, tok)
	}
	return tok
}

func (e *env) citizen(n int) citizenCtx {
	e.t.Helper()
	tok, id, dev := e.signUp(phone(n))
	e.issue(id, "passport_ru")
	return citizenCtx{token: tok, id: id, device: dev}
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }
