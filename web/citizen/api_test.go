package citizen_test

import (
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// me is the answer of GET /api/v1/me.
type me struct {
	ID          string `json:"id"`
	Assurance   string `json:"assurance"`
	Lang        string `json:"lang"`
	PhoneMasked string `json:"phone_masked"`
	Age         *int   `json:"age"`
	Unread      int    `json:"unread_notifications"`
	Session     struct {
		ID      string `json:"id"`
		Current bool   `json:"current"`
	} `json:"session"`
}

type sessionsList struct {
	Sessions []struct {
		ID         string `json:"id"`
		DeviceID   string `json:"device_id"`
		DeviceName string `json:"device_name"`
		Current    bool   `json:"current"`
	} `json:"sessions"`
}

type devicesList struct {
	Devices []struct {
		ID        string     `json:"id"`
		Name      string     `json:"name"`
		BlockedAt *time.Time `json:"blocked_at"`
		Current   bool       `json:"current"`
	} `json:"devices"`
}

type notificationsList struct {
	Notifications []struct {
		ID, Kind, Text string
		ReadAt         *time.Time `json:"read_at"`
	} `json:"notifications"`
}

func TestAPISignUpAndMe(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		to := phone(1)
		var sent struct {
			ExpiresAt time.Time `json:"expires_at"`
		}
		e.json(req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": "8 701 200 00 01", "purpose": "signup", "lang": "kk"}}, 202, &sent)
		if want := e.clock.Now().Add(10 * time.Minute); !sent.ExpiresAt.Equal(want) {
			t.Errorf("POST /api/v1/auth/otp expires_at = %v, want %v", sent.ExpiresAt, want)
		}
		if m, err := e.outbox.Latest(e.ctx, to); err != nil || !strings.Contains(m.Body, "растау коды") {
			t.Fatalf("SMS to %s (typed as 8 701 ...) = %q, %v; want the Kazakh code text", to, m.Body, err)
		}
		var p struct{ Proof string }
		e.json(req{method: "POST", path: "/api/v1/auth/otp/verify", body: map[string]string{"phone": to, "purpose": "signup", "code": e.code(to)}}, 200, &p)
		if !strings.HasPrefix(p.Proof, "dip_") {
			t.Fatalf("proof = %q, want dip_...", p.Proof)
		}
		var s signedIn
		e.json(req{method: "POST", path: "/api/v1/auth/signup", body: map[string]string{"proof": p.Proof, "pin": goodPIN, "device_name": "Phone"},
			headers: []string{"Accept-Language: en"}}, 201, &s)
		if !strings.HasPrefix(s.SessionToken, "dis_") || !strings.HasPrefix(s.DeviceToken, "did_") || s.CitizenID == "" {
			t.Fatalf("sign-up answer = %+v, want session and device tokens", s)
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/signup", body: map[string]string{"proof": p.Proof, "pin": goodPIN, "device_name": "Phone"}}, 401, "unauthorized")

		var m me
		e.json(req{method: "GET", path: "/api/v1/me", token: s.SessionToken}, 200, &m)
		if m.ID != s.CitizenID || m.Assurance != "basic" || m.Lang != "en" || m.PhoneMasked != "+7 *** *** 00 01" || m.Age != nil ||
			m.Session.ID != s.Session.ID || !m.Session.Current {
			t.Errorf("GET /api/v1/me = %+v", m)
		}
		var sl sessionsList
		e.json(req{method: "GET", path: "/api/v1/sessions", token: s.SessionToken}, 200, &sl)
		if len(sl.Sessions) != 1 || !sl.Sessions[0].Current || sl.Sessions[0].DeviceName != "Phone" {
			t.Errorf("GET /api/v1/sessions = %+v, want this session on Phone", sl)
		}
		var dl devicesList
		e.json(req{method: "GET", path: "/api/v1/devices", token: s.SessionToken}, 200, &dl)
		if len(dl.Devices) != 1 || dl.Devices[0].ID != s.DeviceID || !dl.Devices[0].Current || dl.Devices[0].BlockedAt != nil {
			t.Errorf("GET /api/v1/devices = %+v", dl)
		}
	})
}

func TestAPISignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		to := phone(2)
		first := e.signUp(to)

		var known signedIn
		e.json(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"phone": to, "pin": goodPIN, "device_token": first.DeviceToken}}, 200, &known)
		if known.DeviceID != first.DeviceID || known.DeviceToken != "" || known.SessionToken == first.SessionToken {
			t.Errorf("sign-in on the known device = %+v, want a new session on device %s and no new device token", known, first.DeviceID)
		}

		fresh := e.signInNewDevice(to, goodPIN)
		if fresh.DeviceID == first.DeviceID || !strings.HasPrefix(fresh.DeviceToken, "did_") {
			t.Errorf("sign-in with a code = %+v, want a new device and its token", fresh)
		}
		var nl notificationsList
		e.json(req{method: "GET", path: "/api/v1/notifications", token: fresh.SessionToken, headers: []string{"Accept-Language: en"}}, 200, &nl)
		if len(nl.Notifications) != 1 || nl.Notifications[0].Kind != "new_device" || nl.Notifications[0].Text != "Signed in on a new device: Laptop." {
			t.Errorf("notifications after a new device = %+v", nl)
		}

		p, _ := e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"phone": to, "pin": goodPIN}}, 400, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "device_token" {
			t.Errorf("PIN alone: problem %+v, want a field error on device_token", p)
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"phone": to, "pin": goodPIN, "device_token": first.DeviceToken, "proof": "dip_x"}}, 400, "invalid")
		e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"phone": phone(99), "pin": goodPIN, "device_token": first.DeviceToken}}, 401, "unauthorized")
		e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": goodPIN, "device_token": "did_forged"}}, 401, "unauthorized")
	})
}

func TestAPISignOut(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		s := e.signUp(phone(3))
		rec := e.do(req{method: "POST", path: "/api/v1/auth/signout", token: s.SessionToken})
		if rec.Code != 204 {
			t.Fatalf("POST /api/v1/auth/signout = %d %s", rec.Code, rec.Body)
		}
		_, rec = e.refused(req{method: "GET", path: "/api/v1/me", token: s.SessionToken}, 401, "unauthorized")
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/signout", token: s.SessionToken}, 401, "unauthorized")
		for _, h := range []string{"Bearer", "Basic abc", "Bearer a b", "dis_abc"} {
			e.refused(req{method: "GET", path: "/api/v1/me", headers: []string{"Authorization: " + h}}, 401, "unauthorized")
		}
		e.refused(req{method: "GET", path: "/api/v1/me"}, 401, "unauthorized")
	})
}

// TestAPIBlockedDevice blocks a lost phone from a laptop: the phone's
// session and device token stop working at once.
func TestAPIBlockedDevice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		to := phone(4)
		lost := e.signUp(to)
		laptop := e.signInNewDevice(to, goodPIN)
		var d struct {
			ID        string     `json:"id"`
			BlockedAt *time.Time `json:"blocked_at"`
		}
		e.json(req{method: "POST", path: "/api/v1/devices/" + lost.DeviceID + "/block", token: laptop.SessionToken}, 200, &d)
		if d.ID != lost.DeviceID || d.BlockedAt == nil {
			t.Errorf("block answer = %+v, want the device, blocked", d)
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: lost.SessionToken}, 401, "unauthorized")
		e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": goodPIN, "device_token": lost.DeviceToken}}, 401, "unauthorized")
		e.refused(req{method: "POST", path: "/api/v1/devices/" + lost.DeviceID + "/block", token: laptop.SessionToken}, 409, "conflict")
		var nl notificationsList
		e.json(req{method: "GET", path: "/api/v1/notifications?unread=true", token: laptop.SessionToken}, 200, &nl)
		if len(nl.Notifications) != 2 || nl.Notifications[0].Kind != "device_blocked" {
			t.Errorf("notifications = %+v, want device_blocked then new_device", nl)
		}
		e.json(req{method: "GET", path: "/api/v1/me", token: laptop.SessionToken}, 200, nil)
	})
}

func TestAPIEndSession(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		a1 := e.signUp(phone(5))
		a2 := e.signInNewDevice(phone(5), goodPIN)
		b := e.signUp(phone(6))

		e.refused(req{method: "DELETE", path: "/api/v1/sessions/" + b.Session.ID, token: a1.SessionToken}, 404, "not_found")
		e.json(req{method: "GET", path: "/api/v1/me", token: b.SessionToken}, 200, nil)
		e.refused(req{method: "DELETE", path: "/api/v1/sessions/s_nosuchsession", token: a1.SessionToken}, 404, "not_found")

		if rec := e.do(req{method: "DELETE", path: "/api/v1/sessions/" + a2.Session.ID, token: a1.SessionToken}); rec.Code != 204 {
			t.Fatalf("DELETE own other session = %d %s", rec.Code, rec.Body)
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: a2.SessionToken}, 401, "unauthorized")
		var sl sessionsList
		e.json(req{method: "GET", path: "/api/v1/sessions", token: a1.SessionToken}, 200, &sl)
		if len(sl.Sessions) != 1 || sl.Sessions[0].ID != a1.Session.ID {
			t.Errorf("sessions after ending one = %+v", sl)
		}
		e.refused(req{method: "DELETE", path: "/api/v1/sessions/" + a2.Session.ID, token: a1.SessionToken}, 404, "not_found")
	})
}

func TestAPIChangePIN(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		to := phone(7)
		s := e.signUp(to)
		p, _ := e.refused(req{method: "PUT", path: "/api/v1/me/pin", token: s.SessionToken, body: map[string]string{"pin": "1234"},
			headers: []string{"Accept-Language: en"}}, 400, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "pin" || p.Errors[0].Message != "The PIN must not be a run of consecutive digits." {
			t.Errorf("PUT /api/v1/me/pin 1234: %+v", p)
		}

		e.clock.Advance(6 * time.Minute)
		p, _ = e.refused(req{method: "PUT", path: "/api/v1/me/pin", token: s.SessionToken, body: map[string]string{"pin": "4826"},
			headers: []string{"Accept-Language: ru"}}, 403, "forbidden")
		if p.Detail != "Подтвердите, что это вы: введите PIN-код или используйте ключ доступа." {
			t.Errorf("PUT /api/v1/me/pin 6 minutes after sign-in: detail %q, want the Russian re-authentication text", p.Detail)
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/reauth", token: s.SessionToken, body: map[string]string{"pin": "9999"}}, 401, "unauthorized")
		var ra struct {
			ReauthAt   time.Time `json:"reauth_at"`
			ValidUntil time.Time `json:"valid_until"`
		}
		e.json(req{method: "POST", path: "/api/v1/auth/reauth", token: s.SessionToken, body: map[string]string{"pin": goodPIN}}, 200, &ra)
		if !ra.ReauthAt.Equal(e.clock.Now()) || ra.ValidUntil.Sub(ra.ReauthAt) != 5*time.Minute {
			t.Errorf("reauth = %+v", ra)
		}
		if rec := e.do(req{method: "PUT", path: "/api/v1/me/pin", token: s.SessionToken, body: map[string]string{"pin": "4826"}}); rec.Code != 204 {
			t.Fatalf("PUT /api/v1/me/pin after reauth = %d %s", rec.Code, rec.Body)
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": goodPIN, "device_token": s.DeviceToken}}, 401, "unauthorized")
		e.json(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": "4826", "device_token": s.DeviceToken}}, 200, nil)
	})
}

func TestAPIDevicesAndNotifications(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		a := e.signUp(phone(8))
		b := e.signUp(phone(9))
		var d struct{ Name string }
		e.json(req{method: "PATCH", path: "/api/v1/devices/" + a.DeviceID, token: a.SessionToken, body: map[string]string{"name": "  Work phone "}}, 200, &d)
		if d.Name != "Work phone" {
			t.Errorf("renamed device name = %q", d.Name)
		}
		p, _ := e.refused(req{method: "PATCH", path: "/api/v1/devices/" + a.DeviceID, token: a.SessionToken, body: map[string]string{"name": ""}}, 400, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "device_name" {
			t.Errorf("empty name: %+v", p)
		}
		e.refused(req{method: "PATCH", path: "/api/v1/devices/" + a.DeviceID, token: b.SessionToken, body: map[string]string{"name": "Mine"}}, 404, "not_found")
		e.refused(req{method: "POST", path: "/api/v1/devices/" + a.DeviceID + "/block", token: b.SessionToken}, 404, "not_found")
		e.refused(req{method: "PATCH", path: "/api/v1/devices/" + a.DeviceID, token: a.SessionToken, body: map[string]string{"nom": "x"}}, 400, "invalid")

		e.signInNewDevice(phone(8), goodPIN)
		var nl notificationsList
		e.json(req{method: "GET", path: "/api/v1/notifications", token: a.SessionToken}, 200, &nl)
		if len(nl.Notifications) != 1 {
			t.Fatalf("notifications = %+v", nl)
		}
		id := nl.Notifications[0].ID
		e.refused(req{method: "POST", path: "/api/v1/notifications/" + id + "/read", token: b.SessionToken}, 404, "not_found")
		if rec := e.do(req{method: "POST", path: "/api/v1/notifications/" + id + "/read", token: a.SessionToken}); rec.Code != 204 {
			t.Fatalf("mark read = %d %s", rec.Code, rec.Body)
		}
		e.json(req{method: "GET", path: "/api/v1/notifications?unread=true&limit=5", token: a.SessionToken}, 200, &nl)
		if len(nl.Notifications) != 0 {
			t.Errorf("unread after reading = %+v", nl)
		}
		var m me
		e.json(req{method: "GET", path: "/api/v1/me", token: a.SessionToken}, 200, &m)
		if m.Unread != 0 {
			t.Errorf("me.unread_notifications = %d, want 0", m.Unread)
		}
		for _, q := range []string{"?unread=maybe", "?limit=0", "?limit=201", "?limit=x"} {
			e.refused(req{method: "GET", path: "/api/v1/notifications" + q, token: a.SessionToken}, 400, "invalid")
		}
	})
}
