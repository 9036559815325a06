package oidcweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/store"
)

func scopes() []string { return []string{"openid", "offline_access", "document:passport_ru"} }

// TestAuthorizeRefusals: a request from an unknown client or to an
// unregistered redirect URI is answered here, never redirected (RFC 6749,
// 4.1.2.1); a bad scope or missing or plain PKCE goes back to the client's
// redirect URI with the error. Nothing is stored for any of them.
func TestAuthorizeRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		r := e.newRP("Bank", scopes(), nil)
		_, ch := pkce()
		for _, c := range []struct {
			name     string
			edit     func(url.Values)
			redirect bool   // answered by a redirect to the client
			wantErr  string // the error parameter of that redirect
		}{
			{"unknown client", func(q url.Values) { q.Set("client_id", "rp_nosuchclient") }, false, ""},
			{"unregistered redirect URI", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, false, ""},
			{"redirect URI with an extra path", func(q url.Values) { q.Set("redirect_uri", r.redirect+"/x") }, false, ""},
			{"scope not allowed", func(q url.Values) { q.Set("scope", "openid document:snils") }, true, "invalid_scope"},
			{"no openid", func(q url.Values) { q.Set("scope", "document:passport_ru") }, true, ""},
			{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, true, "invalid_request"},
			{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, true, "invalid_request"},
			{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, false, ""},
			{"unknown request_uri", func(q url.Values) { q.Set("request_uri", oidc.RequestURIPrefix+"par_nope") }, false, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				q := r.authParams(ch)
				c.edit(q)
				resp := e.get(e.base + oidc.PathAuthorize + "?" + q.Encode())
				loc := resp.Header.Get("Location")
				if strings.HasPrefix(loc, oidc.ConsentPath) {
					t.Fatalf("authorize = %d to the consent page, want a refusal", resp.StatusCode)
				}
				if !c.redirect {
					if resp.StatusCode < 400 || strings.Contains(loc, "evil") || (loc != "" && strings.HasPrefix(loc, r.redirect)) {
						t.Fatalf("authorize = %d to %q, want an error answered here", resp.StatusCode, loc)
					}
					return
				}
				u, err := url.Parse(loc)
				if err != nil || !strings.HasPrefix(loc, r.redirect+"?") || u.Query().Get("error") == "" || u.Query().Get("state") != "s1" {
					t.Fatalf("authorize = %d to %q, want an error redirect to the client with the state", resp.StatusCode, loc)
				}
				if u.Query().Get("iss") != e.base {
					t.Errorf("error redirect iss = %q, want the issuer %q (RFC 9207)", u.Query().Get("iss"), e.base)
				}
				if c.wantErr != "" && u.Query().Get("error") != c.wantErr {
					t.Errorf("error = %q, want %q", u.Query().Get("error"), c.wantErr)
				}
			})
		}
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM oidc_requests`).Scan(&n); err != nil || n != 0 {
			t.Errorf("refused requests stored %d rows (%v)", n, err)
		}
	})
}

// TestCodeRefusals: codes are single-use (a reuse also revokes the tokens
// issued from the code), expire, need the PKCE verifier and belong to one
// client; client assertions are single-use.
func TestCodeRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		r := e.newRP("Bank", scopes(), nil)
		other := e.newRP("Other", scopes(), nil)
		c := e.citizen(1)

		t.Run("reused code", func(t *testing.T) {
			v, ch := pkce()
			code := e.codeFor(r.authParams(ch, scopes()...), c)
			status, tok := r.exchange(code, v)
			if status != 200 {
				t.Fatalf("first exchange = %d %v", status, tok)
			}
			status, body := r.exchange(code, v)
			if status != 400 || body["error"] != "invalid_grant" {
				t.Fatalf("second exchange = %d %v, want 400 invalid_grant", status, body)
			}
			if st, _ := e.getJSON("/api/v1/rp/documents", str(tok, "access_token")); st != 401 {
				t.Errorf("the first exchange's access token after the reuse = %d, want 401 (revoked)", st)
			}
			if st, body := r.refresh(str(tok, "refresh_token")); st != 400 || body["error"] != "invalid_grant" {
				t.Errorf("its refresh token = %d %v, want invalid_grant", st, body)
			}
		})
		t.Run("PKCE mismatch", func(t *testing.T) {
			_, ch := pkce()
			code := e.codeFor(r.authParams(ch), c)
			other, _ := pkce()
			if status, body := r.exchange(code, other); status != 400 || body["error"] != "invalid_grant" {
				t.Fatalf("exchange with another verifier = %d %v", status, body)
			}
		})
		t.Run("no verifier", func(t *testing.T) {
			_, ch := pkce()
			code := e.codeFor(r.authParams(ch), c)
			if status, body := r.exchange(code, ""); status != 400 || body["error"] == nil {
				t.Fatalf("exchange without a verifier = %d %v", status, body)
			}
		})
		t.Run("another client's code", func(t *testing.T) {
			v, ch := pkce()
			code := e.codeFor(r.authParams(ch), c)
			status, body := e.post(oidc.PathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {v},
				"redirect_uri": {r.redirect}, "client_assertion_type": {oidc.AssertionType}, "client_assertion": {other.assertion("")}})
			if status != 400 || body["error"] != "invalid_grant" {
				t.Fatalf("exchange by another client = %d %v", status, body)
			}
		})
		t.Run("replayed assertion", func(t *testing.T) {
			v, ch := pkce()
			code := e.codeFor(r.authParams(ch), c)
			a := r.assertion("fixed-jti")
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt_nothing"},
				"client_assertion_type": {oidc.AssertionType}, "client_assertion": {a}}
			if status, _ := e.post(oidc.PathToken, form); status != 400 { // the assertion is good; the grant is not
				t.Fatalf("first use of the assertion = %d, want 400 invalid_grant", status)
			}
			form = url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {v}, "redirect_uri": {r.redirect},
				"client_assertion_type": {oidc.AssertionType}, "client_assertion": {a}}
			if status, body := e.post(oidc.PathToken, form); status != 401 || body["error"] != "invalid_client" {
				t.Fatalf("replayed assertion = %d %v, want 401 invalid_client", status, body)
			}
			if status, tok := r.exchange(code, v); status != 200 {
				t.Fatalf("the code after the refused replay = %d %v, want it unspent", status, tok)
			}
		})
		t.Run("bad assertions", func(t *testing.T) {
			for name, a := range map[string]string{
				"garbage":        "not.a.jwt",
				"wrong audience": r.assertion("", "https://elsewhere.example"),
				"other key":      other.assertionAs(r.client.ID, "", e.base),
			} {
				form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_assertion_type": {oidc.AssertionType}, "client_assertion": {a}}
				if status, body := e.post(oidc.PathToken, form); status != 401 || body["error"] != "invalid_client" {
					t.Errorf("%s: = %d %v, want 401 invalid_client", name, status, body)
				}
			}
		})
		t.Run("no client authentication", func(t *testing.T) {
			status, body := e.post(oidc.PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {r.client.ID}})
			if status != 401 || body["error"] != "invalid_client" {
				t.Fatalf("= %d %v", status, body)
			}
		})
		t.Run("expired code", func(t *testing.T) {
			v, ch := pkce()
			code := e.codeFor(r.authParams(ch), c)
			e.clock.Advance(oidc.DefaultRequestTTL + time.Second)
			if status, body := r.exchange(code, v); status != 400 || body["error"] != "invalid_grant" || !strings.Contains(str(body, "error_description"), "code") {
				t.Fatalf("exchange of an expired code = %d %v", status, body)
			}
		})
	})
}

// TestTokensEndWithTheAccount: a consent stops granting when the account
// is deleted or the device the citizen approved on is blocked; its tokens
// and refresh tokens are refused at once.
func TestTokensEndWithTheAccount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		r := e.newRP("Bank", scopes(), nil)
		for _, c := range []struct {
			name string
			end  func(c citizenCtx, s account.Session)
		}{
			{"device blocked", func(c citizenCtx, s account.Session) {
				if _, err := e.accounts.Sessions.BlockDevice(e.ctx, s, c.device, account.Client{IP: "192.0.2.1"}); err != nil {
					t.Fatal(err)
				}
			}},
			{"account deleted", func(c citizenCtx, s account.Session) {
				if err := e.accounts.DeleteAccount(e.ctx, s, account.Client{IP: "192.0.2.1"}); err != nil {
					t.Fatal(err)
				}
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				cit := e.citizen(10 + len(c.name))
				tok := e.tokens(r, cit, scopes()...)
				if st, _ := e.getJSON("/api/v1/rp/documents", str(tok, "access_token")); st != 200 {
					t.Fatalf("documents before = %d", st)
				}
				s, _, err := e.accounts.Sessions.Authenticate(e.ctx, cit.token)
				if err != nil {
					t.Fatal(err)
				}
				c.end(cit, s)
				if st, body := e.getJSON("/api/v1/rp/documents", str(tok, "access_token")); st != 401 || body["code"] != "unauthorized" {
					t.Errorf("documents after = %d %v, want 401", st, body)
				}
				if st, body := r.refresh(str(tok, "refresh_token")); st != 400 || body["error"] != "invalid_grant" {
					t.Errorf("refresh after = %d %v, want invalid_grant", st, body)
				}
			})
		}
	})
}

// TestTokenRateLimit: the token endpoint counts requests per client in
// the database; over the rate the client gets 429 with Retry-After, other
// clients are unaffected.
func TestTokenRateLimit(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	var err error
	if e.oidc, err = oidc.New(oidc.Config{Store: e.db, Audit: e.audit, Citizens: e.accounts.Citizens, Devices: e.accounts.Sessions,
		PairwiseKey: randomKey(), DocumentTypes: []string{"passport_ru"}, Clock: e.clock.Now, TokenRate: oidc.Rate{Max: 3, Window: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	p, err := e.oidc.NewProvider(e.base, e.keys, randomKey())
	if err != nil {
		t.Fatal(err)
	}
	r := e.newRP("Bank", []string{"openid"}, nil)
	other := e.newRP("Other", []string{"openid"}, nil)
	h := p.Routes()
	var token http.Handler
	for _, rt := range h {
		if rt.Pattern == "POST "+oidc.PathToken {
			token = rt.Handler
		}
	}
	send := func(rp *rp) (int, string) {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_assertion_type": {oidc.AssertionType}, "client_assertion": {rp.assertion("")}}
		req, _ := http.NewRequest("POST", oidc.PathToken, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := newRecorder()
		token.ServeHTTP(rec, req)
		return rec.Code, rec.Header().Get("Retry-After")
	}
	forged := func() (int, string) { // someone else's key naming r: refused, and r's budget untouched
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_assertion_type": {oidc.AssertionType}, "client_assertion": {other.assertionAs(r.client.ID, "")}}
		req, _ := http.NewRequest("POST", oidc.PathToken, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := newRecorder()
		token.ServeHTTP(rec, req)
		return rec.Code, ""
	}
	for range 5 {
		if st, _ := forged(); st != 401 {
			t.Fatalf("forged assertion = %d, want 401", st)
		}
	}
	for i := range 3 {
		if st, _ := send(r); st != 400 {
			t.Fatalf("request %d = %d, want 400 (a bad grant, within the rate)", i+1, st)
		}
	}
	if st, ra := send(r); st != 429 || ra == "" {
		t.Fatalf("4th request = %d (Retry-After %q), want 429 with Retry-After", st, ra)
	}
	if st, _ := send(other); st != 400 {
		t.Fatalf("another client = %d, want 400 (its own rate)", st)
	}
	e.clock.Advance(time.Minute)
	if st, _ := send(r); st != 400 {
		t.Fatalf("after the window = %d, want 400", st)
	}
}

// TestDocumentsAPIRefusals: no token, a malformed one, or one that is not
// ours: 401 problem+json with WWW-Authenticate, nothing read.
func TestDocumentsAPIRefusals(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	for _, tok := range []string{"", "garbage", strings.Repeat("A", 200), "eyJhbGciOiJub25lIn0.e30."} {
		req, _ := http.NewRequest("GET", e.base+"/api/v1/rp/documents", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") ||
			resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("token %.10q: %d %q %q, want 401 problem+json with a Bearer challenge", tok, resp.StatusCode,
				resp.Header.Get("WWW-Authenticate"), resp.Header.Get("Content-Type"))
		}
	}
}
