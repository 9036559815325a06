package citizen_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// retryAfter returns the Retry-After seconds of rec, failing if absent.
func retryAfter(t *testing.T, call string, rec interface{ Header() http.Header }) int {
	t.Helper()
	n, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("%s: Retry-After %q, want a positive number of seconds", call, rec.Header().Get("Retry-After"))
	}
	return n
}

func TestAPIWrongCode(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		to := phone(20)
		e.json(req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": "signup"}}, 202, nil)
		right := e.code(to)
		wrong := fmt.Sprintf("%06d", (mustAtoi(t, right)+1)%1_000_000)
		verify := func(code string) req {
			return req{method: "POST", path: "/api/v1/auth/otp/verify", body: map[string]string{"phone": to, "purpose": "signup", "code": code},
				headers: []string{"Accept-Language: en"}}
		}
		p, _ := e.refused(verify(wrong), 401, "unauthorized")
		if p.Detail != "The code is wrong or has expired. Check it, or ask for a new one." {
			t.Errorf("wrong code detail = %q", p.Detail)
		}
		e.refused(verify("12345"), 400, "invalid") // not 6 digits: not counted
		for i := 2; i <= 5; i++ {
			e.refused(verify(wrong), 401, "unauthorized")
		}
		// Five wrong entries spend the code: the right one no longer works.
		e.refused(verify(right), 401, "unauthorized")
		// A new code does not reset the number's count: 10 wrong entries a
		// day lock codes for the number.
		e.json(req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": "signup"}}, 202, nil)
		fresh := e.code(to)
		other := fmt.Sprintf("%06d", (mustAtoi(t, fresh)+1)%1_000_000)
		for i := 7; i <= 9; i++ {
			e.refused(verify(other), 401, "unauthorized")
		}
		_, rec := e.refused(verify(other), 423, "locked")
		retryAfter(t, "10th wrong code", rec)
		_, rec = e.refused(verify(fresh), 423, "locked")
		if n := retryAfter(t, "right code while locked", rec); n > 24*3600 {
			t.Errorf("Retry-After = %d s, want at most a day", n)
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAPIWrongPINLocks: five wrong PINs lock the PIN with Retry-After; the
// right PIN is refused until the lock ends.
func TestAPIWrongPINLocks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		s := e.signUp(phone(21))
		signIn := func(pin string) req {
			return req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": pin, "device_token": s.DeviceToken}}
		}
		for i := 1; i <= 4; i++ {
			e.refused(signIn("4826"), 401, "unauthorized")
		}
		_, rec := e.refused(signIn("4826"), 423, "locked")
		if n := retryAfter(t, "5th wrong PIN", rec); n != 15*60 {
			t.Errorf("Retry-After after the 5th wrong PIN = %d, want 900", n)
		}
		_, rec = e.refused(signIn(goodPIN), 423, "locked")
		retryAfter(t, "right PIN while locked", rec)
		e.clock.Advance(15 * time.Minute)
		e.json(signIn(goodPIN), 200, nil)
	})
}

// TestAPIRateLimitPerIP: authentication endpoints share one per-address
// budget; another address is not affected.
func TestAPIRateLimitPerIP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{rates: map[string]account.Rate{account.BucketAuth: {Max: 3, Window: time.Minute}}})
		ask := func(ip string) req {
			return req{method: "POST", path: "/api/v1/auth/otp", ip: ip, body: map[string]string{"phone": phone(22), "purpose": "signin"}}
		}
		e.json(ask("198.51.100.7"), 202, nil)
		e.refused(req{method: "POST", path: "/api/v1/auth/signin", ip: "198.51.100.7", body: map[string]string{"pin": "1"}}, 400, "invalid")
		e.json(ask("198.51.100.7"), 202, nil)
		_, rec := e.refused(ask("198.51.100.7"), 429, "rate_limited")
		if n := retryAfter(t, "4th request", rec); n > 60 {
			t.Errorf("Retry-After = %d, want at most the 60 s window", n)
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/otp/verify", ip: "198.51.100.7", body: map[string]string{}}, 429, "rate_limited")
		e.json(ask("198.51.100.8"), 202, nil)
		e.clock.Advance(time.Minute)
		e.json(ask("198.51.100.7"), 202, nil)
	})
}

// TestAPIPhoneIndistinguishable: a registered and an unknown number get the
// same status and body from every step a stranger can reach.
func TestAPIPhoneIndistinguishable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		known, unknown := phone(23), phone(24)
		e.signUp(known)
		same := func(what string, build func(to string) req) {
			t.Helper()
			a, b := e.do(build(known)), e.do(build(unknown))
			if a.Code != b.Code || a.Body.String() != b.Body.String() {
				t.Errorf("%s: registered number %d %s, unknown %d %s", what, a.Code, a.Body, b.Code, b.Body)
			}
		}
		for _, purpose := range []string{"signin", "signup"} {
			same("request "+purpose+" code", func(to string) req {
				return req{method: "POST", path: "/api/v1/auth/otp", headers: []string{"X-Request-ID: probe-0001"},
					body: map[string]string{"phone": to, "purpose": purpose}}
			})
			same("wrong "+purpose+" code", func(to string) req {
				return req{method: "POST", path: "/api/v1/auth/otp/verify", headers: []string{"X-Request-ID: probe-0001"},
					body: map[string]string{"phone": to, "purpose": purpose, "code": "000000"}}
			})
		}
		if n := e.outboxCount(unknown); n != 1 {
			t.Errorf("SMS to the unknown number = %d, want 1 (the sign-up code; a sign-in code is not texted)", n)
		}
	})
}

// TestCrossOriginRefused: a cross-site form or fetch cannot sign a citizen
// out or block a device with their cookie.
func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	s := e.signUp(phone(25))
	session := &http.Cookie{Name: "digitalid_session", Value: s.SessionToken}
	for _, r := range []req{
		{method: "POST", path: "/signout"},
		{method: "POST", path: "/api/v1/auth/signout"},
		{method: "POST", path: "/account/devices/" + s.DeviceID + "/block"},
		{method: "POST", path: "/api/v1/devices/" + s.DeviceID + "/block"},
	} {
		r.cookies = []*http.Cookie{session}
		r.headers = []string{"Sec-Fetch-Site: cross-site", "Origin: https://evil.example"}
		if rec := e.do(r); rec.Code != http.StatusForbidden {
			t.Errorf("cross-site %s %s = %d, want 403", r.method, r.path, rec.Code)
		}
	}
	var m me
	e.json(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{session}}, 200, &m)
	var dl devicesList
	e.json(req{method: "GET", path: "/api/v1/devices", token: s.SessionToken}, 200, &dl)
	if dl.Devices[0].BlockedAt != nil {
		t.Error("a cross-site request blocked the device")
	}
}
