package presentweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/web/presentweb"
)

const birth = "1996-03-14"

func TestShowAndVerifyAPI(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), "")
	c := e.Adult(t, birth)
	shop, cred := e.Verifier(t, "Magnum Shop", present.AgeOver18)

	var o struct {
		Eligible bool
		Reasons  []any
		Purposes []struct{ Name, Label string }
	}
	e.json(req{method: "GET", path: "/api/v1/id", bearer: c.SessionToken}, 200, &o)
	if !o.Eligible || len(o.Purposes) == 0 || o.Purposes[0].Name != present.AgeOver18 || o.Purposes[0].Label != "Age 18 or over" {
		t.Errorf("GET /api/v1/id = %+v", o)
	}
	m := e.mint(c.SessionToken, present.AgeOver18)
	if !strings.HasPrefix(m.Payload, present.HandlePrefix) || m.TTLSeconds != 30 || m.QRVersion > 4 || !strings.HasPrefix(m.QRSVG, "<svg") {
		t.Errorf("mint = %+v", m)
	}
	v := e.verify(cred, m.Payload)
	if v.Result != "valid" || v.Purpose != present.AgeOver18 || len(v.Claims) != 1 || v.Claims["age_over_18"] != true ||
		len(v.Display) != 1 || v.Display[0].Label+": "+v.Display[0].Value != "Age 18+: yes" || v.Mode != "online" {
		t.Errorf("verify = %+v, want valid with 18+ only", v)
	}
	// The same code again is refused, as a 200 answer with a reason.
	v = e.verify(cred, m.Payload)
	if v.Result != "invalid" || v.Reason != present.ReasonReplayed || len(v.Claims) != 0 || v.ReasonText != "The code was already used." {
		t.Errorf("verify(again) = %+v, want invalid replayed", v)
	}
	v = e.verify(cred, "not a code")
	if v.Result != "invalid" || v.Reason != present.ReasonMalformed {
		t.Errorf("verify(garbage) = %+v", v)
	}

	var checks struct {
		Checks []struct {
			VerifierName string `json:"verifier_name"`
			VerifierID   string `json:"verifier_id"`
			Purpose      string
			Result       string
			Reason       string
		}
	}
	e.json(req{method: "GET", path: "/api/v1/id/checks", bearer: c.SessionToken}, 200, &checks)
	if len(checks.Checks) != 2 || checks.Checks[0].Result != "invalid" || checks.Checks[0].Reason != "replayed" ||
		checks.Checks[1].Result != "valid" || checks.Checks[1].VerifierName != "Magnum Shop" || checks.Checks[1].VerifierID != shop.ID {
		t.Errorf("checks = %+v", checks)
	}
	e.refused(req{method: "GET", path: "/api/v1/id/checks?limit=x", bearer: c.SessionToken}, 400, "invalid")
	// No confirmed passport photo: the portrait is not found.
	e.refused(req{method: "GET", path: "/api/v1/id/portrait", bearer: c.SessionToken}, 404, "not_found")
}

func TestAPIRefusals(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), "")
	c := e.Adult(t, birth)
	_, cred := e.Verifier(t, "Shop", present.AgeOver18)
	m := e.mint(c.SessionToken, present.AgeOver18)

	e.refused(req{method: "POST", path: "/api/v1/id/presentations", body: map[string]string{"purpose": "age_over_18"}}, 401, "unauthorized")
	e.refused(req{method: "GET", path: "/api/v1/id"}, 401, "unauthorized")
	e.refused(req{method: "POST", path: "/api/v1/id/presentations", bearer: c.SessionToken, body: map[string]string{"purpose": "age_over_99"}}, 400, "invalid")
	e.refused(req{method: "POST", path: "/api/v1/id/presentations", bearer: c.SessionToken, body: []byte(`{"purpose":`)}, 400, "invalid")
	e.refused(req{method: "POST", path: "/api/v1/id/presentations", bearer: c.SessionToken, body: map[string]string{"purpose": "student"}}, 403, "forbidden")
	minor := e.Adult(t, "2012-05-01")
	e.refused(req{method: "POST", path: "/api/v1/id/presentations", bearer: minor.SessionToken, body: map[string]string{"purpose": "age_over_14"}}, 403, "forbidden")

	body := map[string]string{"payload": m.Payload}
	for name, bearer := range map[string]string{"none": "", "wrong secret": strings.Split(cred, ".")[0] + ".nope", "garbage": "x y z"} {
		rec := e.do(req{method: "POST", path: "/api/v1/verifier/verify", bearer: bearer, body: body})
		if rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("verify with %s credentials = %d %s, want 401 with WWW-Authenticate", name, rec.Code, rec.Body)
		}
	}
	e.refused(req{method: "POST", path: "/api/v1/verifier/verify", bearer: cred, body: []byte(`[]`)}, 400, "invalid")
	e.refused(req{method: "POST", path: "/api/v1/verifier/verify", bearer: cred, body: map[string]string{"payload": " "}}, 400, "invalid")
	e.refused(req{method: "POST", path: "/api/v1/verifier/verify", bearer: cred, body: map[string]string{"payload": strings.Repeat("A", 20000)}}, 413, "too_large")
	// None of that used the code.
	if v := e.verify(cred, m.Payload); v.Result != "valid" {
		t.Errorf("verify after refusals = %+v, want valid", v)
	}
}

func TestStaffSignIn(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), "https://id.example")
	c := e.Adult(t, birth)
	v, cred := e.Verifier(t, "Magnum Shop", present.AgeOver18)
	id, secret, _ := strings.Cut(cred, ".")

	rec := e.do(req{method: "GET", path: "/verifier/scan"})
	if rec.Code != 303 || rec.Header().Get("Location") != "/verifier/signin" {
		t.Fatalf("GET /verifier/scan signed out = %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if rec := e.do(req{method: "GET", path: "/verifier/signin"}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="verifier_id"`) {
		t.Fatalf("GET /verifier/signin = %d", rec.Code)
	}
	form := url.Values{"verifier_id": {id}, "secret": {"wrong"}}.Encode()
	if rec := e.do(req{method: "POST", path: "/verifier/signin", body: form}); rec.Code != 401 || !strings.Contains(rec.Body.String(), "signin-error") {
		t.Fatalf("sign in with a wrong secret = %d", rec.Code)
	}
	rec = e.do(req{method: "POST", path: "/verifier/signin", body: url.Values{"verifier_id": {id}, "secret": {secret}}.Encode()})
	if rec.Code != 303 || rec.Header().Get("Location") != "/verifier/scan" {
		t.Fatalf("sign in = %d %s", rec.Code, rec.Body)
	}
	var staff *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "__Host-"+presentweb.StaffCookie {
			staff = ck
		}
	}
	if staff == nil || !staff.HttpOnly || !staff.Secure || staff.SameSite != http.SameSiteStrictMode || staff.Path != "/" || staff.MaxAge <= 0 {
		t.Fatalf("staff cookie = %+v, want __Host-, HttpOnly, Secure, SameSite=Strict", staff)
	}
	rec = e.do(req{method: "GET", path: "/verifier/scan", cookies: []*http.Cookie{staff}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), v.Name) || !strings.Contains(rec.Body.String(), "jsQR") {
		t.Fatalf("GET /verifier/scan = %d", rec.Code)
	}
	m := e.mint(c.SessionToken, present.AgeOver18)
	// A cross-site request riding on the cookie is refused.
	rec = e.do(req{method: "POST", path: "/api/v1/verifier/verify", cookies: []*http.Cookie{staff}, body: map[string]string{"payload": m.Payload},
		headers: []string{"Origin: https://evil.example", "Sec-Fetch-Site: cross-site"}})
	if rec.Code != 403 {
		t.Errorf("cross-site verify = %d, want 403", rec.Code)
	}
	var out verified
	e.json(req{method: "POST", path: "/api/v1/verifier/verify", cookies: []*http.Cookie{staff}, body: map[string]string{"payload": m.Payload},
		headers: []string{"Origin: https://id.example", "Sec-Fetch-Site: same-origin"}}, 200, &out)
	if out.Result != "valid" {
		t.Errorf("verify with the staff cookie = %+v", out)
	}
	rec = e.do(req{method: "POST", path: "/verifier/signout", cookies: []*http.Cookie{staff}})
	if rec.Code != 303 {
		t.Fatalf("sign out = %d", rec.Code)
	}
	e.refused(req{method: "POST", path: "/api/v1/verifier/verify", cookies: []*http.Cookie{staff}, body: map[string]string{"payload": m.Payload}}, 401, "unauthorized")
	// A staff session also ends when the verifier is disabled.
	rec = e.do(req{method: "POST", path: "/verifier/signin", body: url.Values{"verifier_id": {id}, "secret": {secret}}.Encode()})
	staff = rec.Result().Cookies()[0]
	if err := e.Present.DisableVerifier(t.Context(), "test", v.ID); err != nil {
		t.Fatal(err)
	}
	if rec := e.do(req{method: "GET", path: "/verifier/scan", cookies: []*http.Cookie{staff}}); rec.Code != 303 {
		t.Errorf("GET /verifier/scan after disable = %d, want 303 to sign-in", rec.Code)
	}
}

func TestShowPages(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), "")
	c := e.Adult(t, birth)
	cookie := &http.Cookie{Name: "digitalid_session", Value: c.SessionToken}
	rec := e.do(req{method: "GET", path: "/id", cookies: []*http.Cookie{cookie}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="purpose-age_over_18"`) || !strings.Contains(rec.Body.String(), "portrait-missing") {
		t.Fatalf("GET /id = %d %s", rec.Code, rec.Body)
	}
	minor := e.Adult(t, "2012-05-01")
	rec = e.do(req{method: "GET", path: "/id", cookies: []*http.Cookie{{Name: "digitalid_session", Value: minor.SessionToken}}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="not-eligible"`) || !strings.Contains(rec.Body.String(), "credential.eligibility.under_age") {
		t.Fatalf("GET /id (minor) = %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(req{method: "GET", path: "/id"}); rec.Code != 303 {
		t.Errorf("GET /id signed out = %d, want 303 to sign-in", rec.Code)
	}
	if rec := e.do(req{method: "GET", path: "/id/checks", cookies: []*http.Cookie{cookie}}); rec.Code != 200 || !strings.Contains(rec.Body.String(), "no-checks") {
		t.Errorf("GET /id/checks = %d", rec.Code)
	}
}
