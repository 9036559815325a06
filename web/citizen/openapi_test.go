package citizen_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/getkin/kin-openapi/openapi3"
)

// TestAPIMatchesOpenAPI calls every citizen operation, and the refusals
// with their own responses, and validates each request and response against
// the served OpenAPI document.
func TestAPIMatchesOpenAPI(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{rates: map[string]account.Rate{account.BucketAuth: {Max: 18, Window: time.Minute}}})
	rec := e.do(req{method: "GET", path: "/api/v1/openapi.json"})
	doc := apitest.Load(t, rec.Body.Bytes())
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI document is invalid: %v", err)
	}
	// The validator must notice a response that breaks the schema.
	bad := httptest.NewRecorder()
	bad.Header().Set("Content-Type", "application/json")
	bad.WriteString(`{"id": 7}`)
	if apitest.AnswerError(doc, apitest.Recorded("GET", "/api/v1/me", "/api/v1/me", nil, bad)) == nil {
		t.Fatal("a malformed /api/v1/me answer passes validation: the check is broken")
	}
	seen := map[string]bool{}
	check := func(template string, r req, want int) *httptest.ResponseRecorder {
		t.Helper()
		rec := e.do(r)
		apitest.Decode(t, r.method+" "+r.path, rec, want, nil)
		validate(t, doc, template, r, rec)
		seen[r.method+" "+template] = true
		return rec
	}
	to := phone(60)
	check("/api/v1/auth/otp", req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": "signup"}}, 202)
	var p struct{ Proof string }
	body := check("/api/v1/auth/otp/verify", req{method: "POST", path: "/api/v1/auth/otp/verify",
		body: map[string]string{"phone": to, "purpose": "signup", "code": e.code(to)}}, 200).Body.Bytes()
	json.Unmarshal(body, &p)
	var s signedIn
	body = check("/api/v1/auth/signup", req{method: "POST", path: "/api/v1/auth/signup",
		body: map[string]string{"proof": p.Proof, "pin": goodPIN, "device_name": "Phone"}}, 201).Body.Bytes()
	json.Unmarshal(body, &s)
	tok := s.SessionToken
	check("/api/v1/auth/signin", req{method: "POST", path: "/api/v1/auth/signin",
		body: map[string]string{"pin": goodPIN, "device_token": s.DeviceToken}}, 200)
	check("/api/v1/auth/reauth", req{method: "POST", path: "/api/v1/auth/reauth", token: tok, body: map[string]string{"pin": goodPIN}}, 200)
	check("/api/v1/me", req{method: "GET", path: "/api/v1/me", token: tok}, 200)
	check("/api/v1/me/pin", req{method: "PUT", path: "/api/v1/me/pin", token: tok, body: map[string]string{"pin": "4826"}}, 204)
	other := e.signInNewDevice(to, "4826")
	var sl sessionsList
	json.Unmarshal(check("/api/v1/sessions", req{method: "GET", path: "/api/v1/sessions", token: tok}, 200).Body.Bytes(), &sl)
	check("/api/v1/sessions/{id}", req{method: "DELETE", path: "/api/v1/sessions/" + other.Session.ID, token: tok}, 204)
	check("/api/v1/devices", req{method: "GET", path: "/api/v1/devices", token: tok}, 200)
	check("/api/v1/devices/{id}", req{method: "PATCH", path: "/api/v1/devices/" + s.DeviceID, token: tok, body: map[string]string{"name": "Old phone"}}, 200)
	check("/api/v1/devices/{id}/block", req{method: "POST", path: "/api/v1/devices/" + other.DeviceID + "/block", token: tok}, 200)
	var nl notificationsList
	json.Unmarshal(check("/api/v1/notifications", req{method: "GET", path: "/api/v1/notifications?unread=true&limit=10", token: tok}, 200).Body.Bytes(), &nl)
	if len(nl.Notifications) == 0 {
		t.Fatal("no notifications to read")
	}
	check("/api/v1/notifications/{id}/read", req{method: "POST", path: "/api/v1/notifications/" + nl.Notifications[0].ID + "/read", token: tok}, 204)
	// Passkeys: add, list, rename, sign in, confirm, remove.
	a := newAuthenticator(t)
	var c ceremony
	json.Unmarshal(check("/api/v1/passkeys/register/begin", req{method: "POST", path: "/api/v1/passkeys/register/begin", token: tok}, 200).Body.Bytes(), &c)
	resp, cred := a.Create(c.Options)
	var pk passkeyJSON
	json.Unmarshal(check("/api/v1/passkeys/register/finish", req{method: "POST", path: "/api/v1/passkeys/register/finish", token: tok, body: finish(c, resp, "Face ID")}, 201).Body.Bytes(), &pk)
	check("/api/v1/passkeys", req{method: "GET", path: "/api/v1/passkeys", token: tok}, 200)
	check("/api/v1/passkeys/{id}", req{method: "PATCH", path: "/api/v1/passkeys/" + pk.ID, token: tok, body: map[string]string{"name": "iPhone"}}, 200)
	json.Unmarshal(check("/api/v1/auth/passkey/begin", req{method: "POST", path: "/api/v1/auth/passkey/begin", body: map[string]string{"phone": to}}, 200).Body.Bytes(), &c)
	check("/api/v1/auth/passkey/finish", req{method: "POST", path: "/api/v1/auth/passkey/finish", body: finish(c, a.Get(c.Options, cred), "")}, 200)
	json.Unmarshal(check("/api/v1/auth/reauth/passkey/begin", req{method: "POST", path: "/api/v1/auth/reauth/passkey/begin", token: tok}, 200).Body.Bytes(), &c)
	check("/api/v1/auth/reauth/passkey/finish", req{method: "POST", path: "/api/v1/auth/reauth/passkey/finish", token: tok, body: finish(c, a.Get(c.Options, cred), "")}, 200)
	check("/api/v1/passkeys/{id}", req{method: "DELETE", path: "/api/v1/passkeys/" + pk.ID, token: tok}, 204)
	check("/api/v1/auth/signout", req{method: "POST", path: "/api/v1/auth/signout", token: tok}, 204)

	// Refusals, each a problem; locks and rate limits carry Retry-After.
	check("/api/v1/me", req{method: "GET", path: "/api/v1/me", token: tok}, 401)
	for range 4 {
		check("/api/v1/auth/signin", req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": "0000", "device_token": s.DeviceToken}}, 401)
	}
	rec = check("/api/v1/auth/signin", req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": "0000", "device_token": s.DeviceToken}}, 423)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("423 without Retry-After")
	}
	rec = check("/api/v1/auth/otp", req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": "signin"}}, 429)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}

	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/v1/") || path == "/api/v1/openapi.json" {
			continue
		}
		for method, op := range item.Operations() {
			if !slices.Contains(op.Tags, "accounts") {
				continue // other packages exercise their own operations
			}
			if !seen[method+" "+path] {
				t.Errorf("%s %s was not exercised", method, path)
			}
		}
	}
}

// validate checks a request and its response against the document.
func validate(t *testing.T, doc *openapi3.T, template string, r req, rec *httptest.ResponseRecorder) {
	t.Helper()
	apitest.Validate(t, doc, apitest.Recorded(r.method, template, r.path, r.body, rec))
}
