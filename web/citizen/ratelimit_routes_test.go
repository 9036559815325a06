package citizen_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// authRoutes are every route of this package that checks a factor (a code,
// the PIN, a passkey, a face) or sends a code: the per-address limit must
// hold on each. A route added to that set belongs here.
var authRoutes = []struct {
	method, path string
	session      bool // a signed-in route
	page         bool // a page (form post), not the API
}{
	{"POST", "/api/v1/auth/otp", false, false},
	{"POST", "/api/v1/auth/otp/verify", false, false},
	{"POST", "/api/v1/auth/signup", false, false},
	{"POST", "/api/v1/auth/signin", false, false},
	{"POST", "/api/v1/auth/passkey/begin", false, false},
	{"POST", "/api/v1/auth/passkey/finish", false, false},
	{"POST", "/api/v1/auth/restore/otp", false, false},
	{"POST", "/api/v1/auth/restore/challenge", false, false},
	{"POST", "/api/v1/auth/restore", false, false},
	{"POST", "/api/v1/auth/reauth", true, false},
	{"POST", "/api/v1/auth/reauth/passkey/begin", true, false},
	{"POST", "/api/v1/auth/reauth/passkey/finish", true, false},
	{"POST", "/api/v1/me/phone", true, false},
	{"POST", "/api/v1/me/phone/confirm", true, false},
	{"POST", "/api/v1/identity/challenge", true, false},
	{"POST", "/api/v1/identity/biometric", true, false},
	{"POST", "/signup/phone", false, true},
	{"POST", "/signup/code", false, true},
	{"POST", "/signin/phone", false, true},
	{"POST", "/signin/code", false, true},
	{"POST", "/signin/pin", false, true},
	{"POST", "/restore/phone", false, true},
	{"POST", "/restore/code", false, true},
	{"POST", "/restore/confirm", false, true},
	{"GET", "/restore/check", false, true}, // issues a face challenge: needs the restore proof cookie
	{"POST", "/account/confirm", true, true},
	{"POST", "/account/phone", true, true},
	{"POST", "/account/phone/confirm", true, true},
	{"POST", "/account/identity", true, true},
}

// TestRateLimitEveryAuthRoute: once a client address has spent its budget,
// every authentication route answers it 429 — API and pages, signed in or
// not — while another address is still served.
func TestRateLimitEveryAuthRoute(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{rates: map[string]account.Rate{account.BucketAuth: {Max: 3, Window: time.Minute}}})
		s := e.signUp(phone(31)) // spends the default address's budget
		session := &http.Cookie{Name: "digitalid_session", Value: s.SessionToken}
		for i, rt := range authRoutes {
			ip := fmt.Sprintf("198.51.100.%d", 10+i)
			for range 3 {
				e.do(req{method: "POST", path: "/api/v1/auth/signin", ip: ip, body: map[string]string{"pin": "1"}})
			}
			r := req{method: rt.method, path: rt.path, ip: ip, body: map[string]string{}}
			if rt.page {
				r.body, r.headers = "", []string{"Sec-Fetch-Site: same-origin"}
			}
			if rt.method == "GET" {
				r.body = nil
				r.cookies = []*http.Cookie{{Name: "digitalid_proof", Value: "dpf_any"}} // the step after the code
			}
			if rt.session {
				r.token = s.SessionToken
				if rt.page {
					r.token, r.cookies = "", []*http.Cookie{session}
				}
			}
			if rec := e.do(r); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
				t.Errorf("%s %s from a spent address = %d (Retry-After %q), want 429 with Retry-After",
					rt.method, rt.path, rec.Code, rec.Header().Get("Retry-After"))
			}
		}
		// Another address is not held back by the others.
		e.json(req{method: "GET", path: "/api/v1/me", token: s.SessionToken, ip: "203.0.113.9"}, 200, nil)
		if rec := e.do(req{method: "POST", path: "/api/v1/auth/otp", ip: "203.0.113.9",
			body: map[string]string{"phone": phone(32), "purpose": "signin"}}); rec.Code != http.StatusAccepted {
			t.Errorf("a fresh address: %d %s", rec.Code, rec.Body)
		}
	})
}
