package citizen_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/oracletest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// Issue 3: "Responses do not reveal whether a phone number is registered."
// These tests send, for every route that takes a number, the same requests
// for a registered (active) number, a number that never had an account and
// the number of a deleted account, and compare everything a stranger sees
// of the answers: status, headers (Set-Cookie by name, attributes and value
// length; random values normalised) and body with random values (tokens,
// ids, challenges) replaced by their length. The clock does not move while
// a sequence runs, so timestamps are compared as they are.
//
// What is out of scope, and why:
//   - Timing. The number lookups on these routes are keyed-hash index reads
//     (account.Citizens.phoneKey); the costly argon2id PIN check runs only
//     after a device token or a one-time code's proof is accepted
//     (account.SignInWithPIN), and a code request for an unregistered number
//     waits as long as a send takes (account's pace).
//   - The SMS itself: only the number's holder reads it (a sign-in code is
//     texted only to an account, a sign-up attempt on an account's number
//     texts a notice instead of a code). Whoever holds the SIM may learn
//     whether the number has an account — they need to, to sign in or up —
//     so the answers after a verified code (sign-up's account.signup.exists,
//     restore's not_found after the window, the phone change's
//     account.phone.change_failed for a number that is taken) are inherent
//     and not tested as oracles here.
//   - A signed-in citizen's own data (their own number in GET /api/v1/me).

// oracleRequestID is sent with every probe so that the echoed request id is
// the same for every number.
const oracleRequestID = "X-Request-ID: probe-0001"

// oracleNumber is a phone number of one kind.
type oracleNumber = oracletest.Number

// oraclePopulation signs up phone(base) and phone(base+2), deletes the second,
// leaves phone(base+1) unregistered, and moves the clock a day on so that
// the sign-up codes count against no limit.
func (e *env) oraclePopulation(base int) []oracleNumber {
	e.t.Helper()
	active, unknown, deleted := phone(base), phone(base+1), phone(base+2)
	e.signUp(active)
	s := e.signUp(deleted)
	e.json(req{method: "DELETE", path: "/api/v1/me", token: s.SessionToken}, 200, nil)
	e.clock.Advance(25 * time.Hour)
	return []oracleNumber{{Kind: "registered", Phone: active}, {Kind: "unregistered", Phone: unknown}, {Kind: "deleted", Phone: deleted}}
}

// oracleProbe sends the requests steps(to) for each number in turn, fails unless
// every number sees the same answers, and checks the first number's
// statuses against want (0: any).
func (e *env) oracleProbe(t *testing.T, what string, numbers []oracleNumber, want []int, steps func(to string) []req) {
	t.Helper()
	oracletest.Probe(t, what, numbers, want, steps, func(r req) *httptest.ResponseRecorder {
		r.headers = append(r.headers, oracleRequestID, "Accept-Language: en")
		return e.do(r)
	}, func(r req) string { return r.method + " " + r.path })
}

// oracleRepeat is n copies of r.
func oracleRepeat(n int, r req) []req { return slices.Repeat([]req{r}, n) }

// TestOracleCodeRequests: asking for sign-in, sign-up and restore codes, up
// to and past the per-number limit (the sixth code within an hour is
// refused with Retry-After), answers the same for every number, over the
// API and the pages.
func TestOracleCodeRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		numbers := e.oraclePopulation(100)
		e.oracleProbe(t, "API code requests", numbers, []int{202, 202, 202, 202, 202, 429, 429}, func(to string) []req {
			otp := func(purpose string) req {
				return req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": purpose}}
			}
			restore := req{method: "POST", path: "/api/v1/auth/restore/otp", body: map[string]string{"phone": to}}
			return []req{otp("signin"), otp("signup"), restore, otp("signin"), restore, otp("signup"), restore}
		})
		e.clock.Advance(2 * time.Hour)
		e.oracleProbe(t, "page code requests", numbers, []int{200, 200, 200, 200, 200, 429}, func(to string) []req {
			form := url.Values{"phone": {to}}.Encode()
			return []req{
				{method: "POST", path: "/signin/phone", body: form}, {method: "POST", path: "/signup/phone", body: form},
				{method: "POST", path: "/restore/phone", body: form}, {method: "POST", path: "/signin/phone", body: form},
				{method: "POST", path: "/restore/phone", body: form}, {method: "POST", path: "/signup/phone", body: form},
			}
		})
	})
}

// TestOracleWrongCodes: wrong codes, entered until the number's codes lock
// (the tenth wrong entry of a day), answer the same for every number —
// whether or not a code was texted to it — on each route that checks a
// code: /api/v1/auth/otp/verify, the restore challenge, the restore, and
// the pages' code steps.
func TestOracleWrongCodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		numbers := e.oraclePopulation(110)
		// Each sequence asks for a code (texted or not, depending on the
		// number and purpose), then enters a wrong one 11 times.
		want := append([]int{202}, append(oracletest.Statuses(9, 401), 423, 423)...)
		wrongAfter := func(purpose string, wrong func(to string) req) func(to string) []req {
			return func(to string) []req {
				ask := req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": purpose}}
				if purpose == "restore" {
					ask = req{method: "POST", path: "/api/v1/auth/restore/otp", body: map[string]string{"phone": to}}
				}
				return append([]req{ask}, oracleRepeat(11, wrong(to))...)
			}
		}
		for _, purpose := range []string{"signin", "signup"} {
			e.oracleProbe(t, purpose+" wrong codes", numbers, want, wrongAfter(purpose, func(to string) req {
				return req{method: "POST", path: "/api/v1/auth/otp/verify",
					body: map[string]string{"phone": to, "purpose": purpose, "code": "000000"}}
			}))
		}
		e.oracleProbe(t, "restore challenge wrong codes", numbers, want, wrongAfter("restore", func(to string) req {
			return req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"phone": to, "code": "000000"}}
		}))
		e.clock.Advance(25 * time.Hour)
		e.oracleProbe(t, "restore wrong codes", numbers, want, wrongAfter("restore", func(to string) req {
			return req{method: "POST", path: "/api/v1/auth/restore",
				body: map[string]string{"phone": to, "code": "000000", "pin": goodPIN, "device_name": "New phone"}}
		}))
		e.clock.Advance(25 * time.Hour)
		// The pages show the attempts left: the same count for every number.
		for _, flow := range []string{"signin", "signup", "restore"} {
			pageWant := append([]int{200}, append(oracletest.Statuses(9, 401), 423, 423)...)
			e.oracleProbe(t, flow+" page wrong codes", numbers, pageWant, func(to string) []req {
				form := url.Values{"phone": {to}, "code": {"000000"}}.Encode()
				return append([]req{{method: "POST", path: "/" + flow + "/phone", body: url.Values{"phone": {to}}.Encode()}},
					oracleRepeat(11, req{method: "POST", path: "/" + flow + "/code", body: form})...)
			})
		}
		e.clock.Advance(25 * time.Hour)
		// The restore page's form with the code itself (kept from before the
		// check step).
		e.oracleProbe(t, "restore confirm page wrong codes", numbers, append([]int{200}, oracletest.Statuses(9, 401)...), func(to string) []req {
			form := url.Values{"phone": {to}, "code": {"000000"}, "pin": {goodPIN}}.Encode()
			return append([]req{{method: "POST", path: "/restore/phone", body: url.Values{"phone": {to}}.Encode()}},
				oracleRepeat(9, req{method: "POST", path: "/restore/confirm", body: form})...)
		})
	})
}

// TestOracleSignIn: a sign-in naming a number with a PIN but no proof, a
// made-up proof or a made-up device token, over the API and the
// known-device page form, answers the same for every number, and never
// counts against the number's PIN (which would lock its owner out).
func TestOracleSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		numbers := e.oraclePopulation(120)
		fakeToken := "dt_" + strings.Repeat("A", 43)
		e.oracleProbe(t, "API sign-in without a factor", numbers, []int{400, 401, 401, 401, 401, 401, 401, 401}, func(to string) []req {
			signIn := func(body map[string]string) req {
				body["phone"], body["pin"] = to, "4826"
				return req{method: "POST", path: "/api/v1/auth/signin", body: body}
			}
			return append([]req{signIn(map[string]string{})},
				append(oracleRepeat(4, signIn(map[string]string{"proof": "pf_" + strings.Repeat("A", 43), "device_name": "Laptop"})),
					oracleRepeat(3, signIn(map[string]string{"device_token": fakeToken}))...)...)
		})
		// A citizen's own device with their right PIN, naming another number:
		// refused alike, whoever the number belongs to (the number is compared
		// with the device's account, never looked up).
		own := e.signUp(phone(125))
		e.oracleProbe(t, "API sign-in on one's own device naming another number", numbers, []int{401, 401}, func(to string) []req {
			return oracleRepeat(2, req{method: "POST", path: "/api/v1/auth/signin",
				body: map[string]string{"phone": to, "pin": goodPIN, "device_token": own.DeviceToken}})
		})
		device := &http.Cookie{Name: "digitalid_device", Value: fakeToken}
		e.oracleProbe(t, "known-device page sign-in", numbers, []int{401, 401, 401}, func(to string) []req {
			form := url.Values{"phone": {to}, "pin": {"4826"}}.Encode()
			return oracleRepeat(3, req{method: "POST", path: "/signin/pin", body: form, cookies: []*http.Cookie{device}})
		})
		ownDevice := &http.Cookie{Name: "digitalid_device", Value: own.DeviceToken}
		e.oracleProbe(t, "known-device page sign-in on one's own device naming another number", numbers, []int{401, 401}, func(to string) []req {
			form := url.Values{"phone": {to}, "pin": {goodPIN}}.Encode()
			return oracleRepeat(2, req{method: "POST", path: "/signin/pin", body: form, cookies: []*http.Cookie{ownDevice}})
		})
		// The owner's PIN is untouched: they sign in with a code at once.
		e.signInNewDevice(numbers[0].Phone, goodPIN)
	})
}

// TestOraclePhoneChange: a citizen changing to a number that has an
// account, never had one, or had one deleted gets the same answers when
// asking for the codes and when entering wrong ones, over the API and the
// page. (With the new number's right code, a taken number is refused with
// account.phone.change_failed: only the new number's holder can get that
// far, and they learn as much from a sign-up; see the file comment.)
func TestOraclePhoneChange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		numbers := e.oraclePopulation(130)
		next := 140
		citizen := func() (signedIn, string) { // a fresh citizen per probe: codes to their own number count too
			next++
			return e.signUp(phone(next)), phone(next)
		}
		e.oracleProbe(t, "API phone change", numbers, []int{202, 202}, func(to string) []req {
			s, _ := citizen()
			begin := req{method: "POST", path: "/api/v1/me/phone", token: s.SessionToken, body: map[string]any{"phone": to}}
			return []req{begin, begin}
		})
		// The new number's code is checked once the old number's is right.
		e.oracleProbe(t, "API phone change, wrong new code", numbers, oracletest.Statuses(3, 401), func(to string) []req {
			s, own := citizen()
			e.json(req{method: "POST", path: "/api/v1/me/phone", token: s.SessionToken, body: map[string]any{"phone": to}}, 202, nil)
			return oracleRepeat(3, req{method: "POST", path: "/api/v1/me/phone/confirm", token: s.SessionToken,
				body: map[string]string{"phone": to, "new_code": "000000", "old_code": e.code(own)}})
		})
		e.oracleProbe(t, "API phone change, old phone lost", numbers, []int{202}, func(to string) []req {
			s, _ := citizen()
			return []req{{method: "POST", path: "/api/v1/me/phone", token: s.SessionToken, body: map[string]any{"phone": to, "old_phone_lost": true}}}
		})
		e.oracleProbe(t, "page phone change", numbers, []int{200, 401}, func(to string) []req {
			s, _ := citizen()
			session := []*http.Cookie{{Name: "digitalid_session", Value: s.SessionToken}}
			return []req{
				{method: "POST", path: "/account/phone", cookies: session, body: url.Values{"phone": {to}}.Encode()},
				{method: "POST", path: "/account/phone/confirm", cookies: session,
					body: url.Values{"phone": {to}, "new_code": {"000000"}, "old_code": {"000000"}}.Encode()},
			}
		})
	})
}

// TestOraclePasskeyBegin: POST /api/v1/auth/passkey/begin with a number
// answers a number with passkeys, a registered one without, an unregistered
// and a deleted one alike: the same status, headers and options but the
// allowed credentials, whose count and id lengths are within what real
// accounts have (1 to 3 ids here — most accounts hold one or two; 16, 20,
// 32 or 64 bytes, see account.Passkeys.decoys), each entry with the same
// fields. A number's list is the same on every request, as a real one is.
func TestOraclePasskeyBegin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		numbers := e.oraclePopulation(150)
		withPasskey := phone(153)
		s := e.signUp(withPasskey)
		_, cred := e.addPasskey(s.SessionToken, newAuthenticator(t), "My phone")
		numbers = append([]oracleNumber{{Kind: "registered with a passkey", Phone: withPasskey}}, numbers...)

		begin := func(to string) req {
			return req{method: "POST", path: "/api/v1/auth/passkey/begin", body: map[string]string{"phone": to},
				headers: []string{oracleRequestID, "Accept-Language: en"}}
		}
		var first string
		for i, n := range numbers {
			rec := e.do(begin(n.Phone))
			if rec.Code != 200 {
				t.Fatalf("passkey begin for the %s number = %d %s", n.Kind, rec.Code, rec.Body)
			}
			var c ceremony
			if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
				t.Fatal(err)
			}
			var opts map[string]any
			if err := json.Unmarshal(c.Options, &opts); err != nil {
				t.Fatalf("options %s: %v", c.Options, err)
			}
			ids := oracleAllowedIDs(t, n.Kind, opts)
			if i == 0 && (len(ids) != 1 || ids[0] != base64.RawURLEncoding.EncodeToString(cred.ID)) {
				t.Errorf("passkey begin for a number with a passkey allows %v, want its credential", ids)
			}
			again := e.do(begin(n.Phone))
			var c2 ceremony
			_ = json.Unmarshal(again.Body.Bytes(), &c2)
			var opts2 map[string]any
			_ = json.Unmarshal(c2.Options, &opts2)
			if got := oracleAllowedIDs(t, n.Kind, opts2); !slices.Equal(got, ids) {
				t.Errorf("passkey begin for the %s number allows %v, then %v: want the same list each time", n.Kind, ids, got)
			}
			// The rest of the answer: the allow list replaced by a marker,
			// random values by their length.
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			opts["allowCredentials"] = "<list>"
			body["options"] = opts
			o, _ := json.Marshal(body)
			rest := oracletest.SeenHead(rec, numbers) + oracletest.Normalise(string(o), numbers)
			if i == 0 {
				first = rest
			} else if rest != first {
				t.Errorf("passkey begin tells a %s number from a %s one: %s", numbers[0].Kind, n.Kind, oracletest.Diff(first, rest))
			}
		}
	})
}

// oracleAllowedIDs checks the allowCredentials of sign-in options — 1 to 3
// entries of exactly {type: public-key, id} with ids of 16, 20, 32 or 64
// bytes — and returns the ids.
func oracleAllowedIDs(t *testing.T, kind string, opts map[string]any) []string {
	t.Helper()
	list, _ := opts["allowCredentials"].([]any)
	if len(list) < 1 || len(list) > 3 {
		t.Errorf("passkey begin for the %s number allows %d credentials, want 1 to 3", kind, len(list))
	}
	var ids []string
	for _, entry := range list {
		m, _ := entry.(map[string]any)
		id, _ := m["id"].(string)
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if len(m) != 2 || m["type"] != "public-key" || err != nil {
			t.Errorf("passkey begin for the %s number: allowed credential %v, want exactly type public-key and an id", kind, m)
		}
		if l := len(raw); l != 16 && l != 20 && l != 32 && l != 64 {
			t.Errorf("passkey begin for the %s number: a credential id of %d bytes, want 16, 20, 32 or 64", kind, l)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestOracleShapeNormalises: the comparison is not blind — two answers that
// differ other than in random values are told apart.
func TestOracleShapeNormalises(t *testing.T) {
	numbers := []oracleNumber{{Kind: "a", Phone: phone(1)}, {Kind: "b", Phone: phone(2)}}
	mk := func(code int, body string, cookie *http.Cookie) string {
		rec := httptest.NewRecorder()
		if cookie != nil {
			http.SetCookie(rec, cookie)
		}
		rec.WriteHeader(code)
		rec.Body.WriteString(body)
		return oracletest.Seen(rec, numbers)
	}
	tok := func() string { return account.NewID("pf_") }
	same := [][2]string{
		{mk(202, `{"phone":"`+phone(1)+`","proof":"`+tok()+`"}`, nil), mk(202, `{"phone":"`+phone(2)+`","proof":"`+tok()+`"}`, nil)},
		{mk(200, "", &http.Cookie{Name: "p", Value: tok(), MaxAge: 60}), mk(200, "", &http.Cookie{Name: "p", Value: tok(), MaxAge: 60})},
	}
	for i, p := range same {
		if p[0] != p[1] {
			t.Errorf("pair %d: %s", i, oracletest.Diff(p[0], p[1]))
		}
	}
	differ := [][2]string{
		{mk(202, `{}`, nil), mk(200, `{}`, nil)},
		{mk(401, `{"attempts_left":4}`, nil), mk(401, `{"attempts_left":9}`, nil)},
		{mk(200, `{"id":"`+tok()+`"}`, nil), mk(200, `{"id":"`+tok()+`x"}`, nil)},
		{mk(200, "", &http.Cookie{Name: "p", Value: "1", MaxAge: 60}), mk(200, "", nil)},
		{mk(200, "", &http.Cookie{Name: "p", Value: "1", MaxAge: 60}), mk(200, "", &http.Cookie{Name: "p", Value: "1", MaxAge: 61})},
	}
	for i, p := range differ {
		if p[0] == p[1] {
			t.Errorf("pair %d looks the same: %s", i, p[0])
		}
	}
}
