package citizen_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
)

// browser is a minimal cookie-keeping client over env.do, for page tests
// that need no JavaScript engine (the pages need none).
type browser struct {
	e       *env
	lang    string
	cookies map[string]*http.Cookie
}

func (e *env) browser(lang string) *browser {
	return &browser{e: e, lang: lang, cookies: map[string]*http.Cookie{}}
}

// send makes a same-origin request with the browser's cookies and keeps the
// cookies the answer sets.
func (b *browser) send(method, path string, form url.Values) (int, string, *url.URL) {
	b.e.t.Helper()
	r := req{method: method, path: path, headers: []string{"Sec-Fetch-Site: same-origin", "Accept-Language: " + b.lang}}
	if form != nil {
		r.body = form.Encode()
	}
	for _, c := range b.cookies {
		r.cookies = append(r.cookies, c)
	}
	rec := b.e.do(r)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	var loc *url.URL
	if rec.Code == http.StatusSeeOther {
		loc = location(b.e.t, rec)
	}
	return rec.Code, html.UnescapeString(rec.Body.String()), loc
}

// signUp goes through the sign-up pages and returns the cabinet's body.
func (b *browser) signUp(to string) string {
	b.e.t.Helper()
	status, body, _ := b.send("POST", "/signup/phone", url.Values{"phone": {to}})
	if status != 200 || !strings.Contains(body, `action="/signup/code"`) {
		b.e.t.Fatalf("POST /signup/phone = %d, want the code step:\n%s", status, body)
	}
	_, _, loc := b.send("POST", "/signup/code", url.Values{"phone": {to}, "code": {b.e.code(to)}})
	if loc == nil || loc.Path != "/signup/pin" {
		b.e.t.Fatalf("POST /signup/code: redirect %v, want /signup/pin", loc)
	}
	_, _, loc = b.send("POST", "/signup/pin", url.Values{"pin": {goodPIN}, "pin2": {goodPIN}, "device_name": {"Home laptop"}})
	if loc == nil || loc.Path != "/account" {
		b.e.t.Fatalf("POST /signup/pin: redirect %v, want /account", loc)
	}
	status, body, _ = b.send("GET", loc.String(), nil)
	if status != 200 {
		b.e.t.Fatalf("GET %s = %d", loc, status)
	}
	return body
}

func TestPagesSignUpSetsCookies(t *testing.T) {
	for _, tc := range []struct {
		name, publicURL, prefix string
		secure                  bool
	}{
		{"http", "http://127.0.0.1:8080", "", false},
		{"https", "https://id.example", "__Host-", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, testdb.SQLite(t), options{publicURL: tc.publicURL})
			to := phone(40)
			e.json(req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": "signup"}}, 202, nil)
			rec := e.do(req{method: "POST", path: "/signup/code", body: url.Values{"phone": {to}, "code": {e.code(to)}}.Encode()})
			proof := cookie(rec, tc.prefix+"digitalid_proof")
			if proof == nil || !proof.HttpOnly || proof.Secure != tc.secure || proof.Path != "/" || proof.MaxAge != 600 || proof.SameSite != http.SameSiteLaxMode {
				t.Fatalf("proof cookie = %+v, want HttpOnly, Secure %v, Path /, 10 minutes, Lax", proof, tc.secure)
			}
			rec = e.do(req{method: "POST", path: "/signup/pin", cookies: []*http.Cookie{{Name: proof.Name, Value: proof.Value}},
				body: url.Values{"pin": {goodPIN}, "pin2": {goodPIN}, "device_name": {"Laptop"}}.Encode()})
			if loc := location(t, rec); loc.Path != "/account" {
				t.Fatalf("sign-up redirects to %s", loc)
			}
			session, device := cookie(rec, tc.prefix+"digitalid_session"), cookie(rec, tc.prefix+"digitalid_device")
			if session == nil || !session.HttpOnly || session.Secure != tc.secure || session.SameSite != http.SameSiteLaxMode ||
				session.Path != "/" || session.MaxAge != 12*3600 || !strings.HasPrefix(session.Value, "dis_") {
				t.Errorf("session cookie = %+v", session)
			}
			if device == nil || !device.HttpOnly || device.Secure != tc.secure || device.MaxAge < 365*24*3600 || !strings.HasPrefix(device.Value, "did_") {
				t.Errorf("device cookie = %+v", device)
			}
			if c := cookie(rec, tc.prefix+"digitalid_proof"); c == nil || c.MaxAge >= 0 {
				t.Errorf("proof cookie after sign-up = %+v, want it cleared", c)
			}
		})
	}
}

func TestPagesSignUpAndErrors(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	b := e.browser("en")
	to := phone(41)
	status, body, _ := b.send("POST", "/signup/phone", url.Values{"phone": {"12"}})
	if status != 400 || !strings.Contains(body, `id="phone-error">The phone number is not valid`) {
		t.Errorf("bad phone: %d, want the English field error next to the phone:\n%s", status, body)
	}
	b.lang = "kk"
	b.send("POST", "/signup/phone", url.Values{"phone": {to}})
	status, body, _ = b.send("POST", "/signup/code", url.Values{"phone": {to}, "code": {"000000"}})
	if status != 401 || !strings.Contains(body, "Код қате немесе ескірген.") || !strings.Contains(body, "Қалған әрекет саны: 4.") {
		t.Errorf("wrong code: %d, want the Kazakh error with 4 attempts left:\n%s", status, body)
	}
	b.send("POST", "/signup/code", url.Values{"phone": {to}, "code": {e.code(to)}})
	b.lang = "ru"
	status, body, _ = b.send("POST", "/signup/pin", url.Values{"pin": {"1111"}, "pin2": {"1111"}, "device_name": {"x"}})
	if status != 400 || !strings.Contains(body, `id="pin-error">PIN-код не должен состоять из одной повторяющейся цифры.`) {
		t.Errorf("trivial PIN: %d, want the Russian rule next to the PIN:\n%s", status, body)
	}
	status, body, _ = b.send("POST", "/signup/pin", url.Values{"pin": {goodPIN}, "pin2": {"2792"}, "device_name": {"x"}})
	if status != 400 || !strings.Contains(body, `id="pin2-error">PIN-коды не совпадают.`) {
		t.Errorf("different PINs: %d:\n%s", status, body)
	}
	_, _, loc := b.send("POST", "/signup/pin", url.Values{"pin": {goodPIN}, "pin2": {goodPIN}, "device_name": {"Телефон"}})
	if loc == nil || loc.String() != "/account?msg=welcome" {
		t.Fatalf("sign-up redirect = %v", loc)
	}
	_, body, _ = b.send("GET", "/account?msg=welcome", nil)
	for _, want := range []string{"Мой кабинет", "Добро пожаловать!", "+7 *** *** 00 41", "Базовый — подтверждён номер телефона"} {
		if !strings.Contains(body, want) {
			t.Errorf("cabinet lacks %q:\n%s", want, body)
		}
	}
	if _, _, loc := b.send("GET", "/signup", nil); loc == nil || loc.Path != "/account" {
		t.Errorf("GET /signup while signed in: redirect %v, want /account", loc)
	}
}

// TestPagesIdleTimeout: once the session has been idle for 15 minutes,
// pages send the browser to sign in and back.
func TestPagesIdleTimeout(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	b := e.browser("en")
	b.signUp(phone(42))
	e.clock.Advance(14 * time.Minute)
	if status, _, _ := b.send("GET", "/account/security", nil); status != 200 {
		t.Fatalf("GET /account/security after 14 idle minutes = %d, want 200", status)
	}
	e.clock.Advance(15 * time.Minute)
	_, _, loc := b.send("GET", "/account/security", nil)
	if loc == nil || loc.Path != "/signin" || loc.Query().Get("next") != "/account/security" || loc.Query().Get("msg") != "expired" {
		t.Fatalf("GET /account/security after 15 idle minutes: redirect %v, want /signin?next=/account/security&msg=expired", loc)
	}
	if _, ok := b.cookies["digitalid_session"]; ok {
		t.Error("the dead session cookie was kept")
	}
	status, body, _ := b.send("GET", loc.String(), nil)
	if status != 200 || !strings.Contains(body, "Your session has ended.") || !strings.Contains(body, `action="/signin/pin"`) {
		t.Fatalf("sign-in page after the timeout = %d, want the known-device form and the message:\n%s", status, body)
	}
	_, _, loc = b.send("POST", "/signin/pin", url.Values{"phone": {phone(42)}, "pin": {goodPIN}, "next": {"/account/security"}})
	if loc == nil || loc.Path != "/account/security" {
		t.Errorf("sign-in redirect = %v, want back to /account/security", loc)
	}
	if _, _, loc := b.send("GET", "/account", nil); loc != nil {
		t.Errorf("GET /account after signing in again redirects to %v", loc)
	}
}

func TestPagesNeedSession(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	b := e.browser("en")
	for _, path := range []string{"/account", "/account/security", "/account/pin", "/account/notifications", "/account/confirm"} {
		_, _, loc := b.send("GET", path, nil)
		if loc == nil || loc.Path != "/signin" || loc.Query().Get("next") != path || loc.Query().Get("msg") != "" {
			t.Errorf("GET %s without a session: redirect %v, want /signin?next=%s", path, loc, path)
		}
	}
	if _, _, loc := b.send("POST", "/signout", url.Values{}); loc == nil || loc.Path != "/signin" {
		t.Errorf("POST /signout without a session: redirect %v", loc)
	}
	if _, _, loc := b.send("GET", "/signin/pin", nil); loc == nil || loc.Path != "/signin" {
		t.Errorf("GET /signin/pin without a proof: redirect %v", loc)
	}
}

func TestPagesKnownDeviceWrongPIN(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	b := e.browser("en")
	to := phone(43)
	b.signUp(to)
	b.send("POST", "/signout", url.Values{})
	for i := 4; i >= 1; i-- {
		status, body, _ := b.send("POST", "/signin/pin", url.Values{"phone": {to}, "pin": {"4826"}})
		if status != 401 || !strings.Contains(body, "The PIN is wrong.") {
			t.Fatalf("wrong PIN: %d:\n%s", status, body)
		}
	}
	status, body, _ := b.send("POST", "/signin/pin", url.Values{"phone": {to}, "pin": {"4826"}})
	if status != 423 || !strings.Contains(body, "Try again in 15 min.") {
		t.Errorf("5th wrong PIN: %d, want 423 with the wait:\n%s", status, body)
	}
}
