package citizen_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestAPIDeleteAndRestore: DELETE /api/v1/me needs a recent
// re-authentication, then the session is refused at once; restore works
// within the window and is refused after it.
func TestAPIDeleteAndRestore(t *testing.T) {
	for _, tc := range []struct {
		name   string
		after  time.Duration
		status int
	}{
		{"within window", 29 * 24 * time.Hour, 200},
		{"after window", 31 * 24 * time.Hour, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, options{})
				s := e.signUp(phone(1))
				e.clock.Advance(account.ReauthMaxAge + time.Minute)
				e.json(req{method: "GET", path: "/api/v1/me", token: s.SessionToken}, 200, nil)
				e.refused(req{method: "DELETE", path: "/api/v1/me", token: s.SessionToken}, 403, "forbidden")
				e.json(req{method: "POST", path: "/api/v1/auth/reauth", token: s.SessionToken, body: map[string]string{"pin": goodPIN}}, 200, nil)
				e.json(req{method: "DELETE", path: "/api/v1/me", token: s.SessionToken}, 200, nil)
				e.refused(req{method: "GET", path: "/api/v1/me", token: s.SessionToken}, 401, "unauthorized")
				e.clock.Advance(tc.after)
				e.json(req{method: "POST", path: "/api/v1/auth/restore/otp", body: map[string]string{"phone": phone(1)}}, 202, nil)
				body := map[string]string{"phone": phone(1), "code": e.code(phone(1)), "pin": goodPIN, "device_name": "New phone"}
				if tc.status != 200 {
					p, _ := e.refused(req{method: "POST", path: "/api/v1/auth/restore", body: body}, tc.status, "not_found")
					if p.Detail == "" {
						t.Errorf("restore after window: empty detail")
					}
					return
				}
				var got signedIn
				e.json(req{method: "POST", path: "/api/v1/auth/restore", body: body}, 200, &got)
				if got.DeviceID == s.DeviceID || got.SessionToken == "" {
					t.Errorf("restore = device %s, want a new device and a session", got.DeviceID)
				}
				e.json(req{method: "GET", path: "/api/v1/me", token: got.SessionToken}, 200, nil)
			})
		})
	}
}

// TestAPIRestoreUnknownNumber: a number that never had an account answers
// exactly as one past the window.
func TestAPIRestoreUnknownNumber(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	e.json(req{method: "POST", path: "/api/v1/auth/restore/otp", body: map[string]string{"phone": phone(9)}}, 202, nil)
	if n := e.outboxCount(phone(9)); n != 0 {
		t.Errorf("restore code texted to a number without an account (%d messages)", n)
	}
}

// TestAPIPhoneChange: both codes change the number; a taken number gets
// the same 202 and then a generic refusal at confirm.
func TestAPIPhoneChange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		s := e.signUp(phone(1))
		e.signUp(phone(2))
		begin := func(to string) {
			t.Helper()
			e.json(req{method: "POST", path: "/api/v1/me/phone", token: s.SessionToken, body: map[string]any{"phone": to}}, 202, nil)
		}
		begin(phone(2))
		e.refused(req{method: "POST", path: "/api/v1/me/phone/confirm", token: s.SessionToken, body: map[string]string{
			"phone": phone(2), "new_code": e.code(phone(2)), "old_code": e.code(phone(1)),
		}}, 400, "invalid")
		begin(phone(3))
		var out struct{ Phone string }
		e.json(req{method: "POST", path: "/api/v1/me/phone/confirm", token: s.SessionToken, body: map[string]string{
			"phone": phone(3), "new_code": e.code(phone(3)), "old_code": e.code(phone(1)),
		}}, 200, &out)
		if out.Phone == "" || strings.Contains(out.Phone, phone(3)) {
			t.Errorf("confirm phone = %q, want the new number masked", out.Phone)
		}
		var me struct {
			Phone string `json:"phone_masked"`
		}
		e.json(req{method: "GET", path: "/api/v1/me", token: s.SessionToken}, 200, &me)
		if me.Phone != out.Phone {
			t.Errorf("GET /api/v1/me phone_masked = %q, want the new number %q", me.Phone, out.Phone)
		}
	})
}

// TestPagesDeleteAndRestore: the deletion page explains the window and
// wants the box ticked; the restore pages sign the citizen back in.
func TestPagesDeleteAndRestore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		s := e.signUp(phone(1))
		session := []*http.Cookie{{Name: "digitalid_session", Value: s.SessionToken}}
		rec := e.do(req{method: "GET", path: "/account/security", cookies: session})
		if !strings.Contains(rec.Body.String(), `href="/account/delete"`) || !strings.Contains(rec.Body.String(), `href="/account/phone"`) {
			t.Fatalf("GET /account/security lacks the delete and phone links")
		}
		rec = e.do(req{method: "GET", path: "/account/delete", cookies: session})
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "delete-confirm") {
			t.Fatalf("GET /account/delete = %d", rec.Code)
		}
		rec = e.do(req{method: "POST", path: "/account/delete", body: "", cookies: session})
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "understood-error") {
			t.Fatalf("POST /account/delete unticked = %d, want 400 with the field error", rec.Code)
		}
		rec = e.do(req{method: "POST", path: "/account/delete", body: "understood=yes", cookies: session})
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "delete-done") {
			t.Fatalf("POST /account/delete = %d %s", rec.Code, rec.Body)
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: s.SessionToken}, 401, "unauthorized")
		form := url.Values{"phone": {phone(1)}}
		if rec = e.do(req{method: "POST", path: "/restore/phone", body: form.Encode()}); rec.Code != 200 {
			t.Fatalf("POST /restore/phone = %d", rec.Code)
		}
		form.Set("code", e.code(phone(1)))
		form.Set("pin", goodPIN)
		rec = e.do(req{method: "POST", path: "/restore/confirm", body: form.Encode()})
		c := cookie(rec, "digitalid_session")
		if rec.Code != 200 || c == nil || !strings.Contains(rec.Body.String(), "restore-done") {
			t.Fatalf("POST /restore/confirm = %d, session cookie %v", rec.Code, c)
		}
		e.json(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{c}}, 200, nil)
	})
}
