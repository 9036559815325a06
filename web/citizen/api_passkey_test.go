package citizen_test

import (
	"slices"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestAPIPasskeys goes through a passkey's life over the API on both
// databases: add, list, rename, sign in with it (also while the PIN is
// locked), confirm with it, remove it; and the refusals.
func TestAPIPasskeys(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		to := phone(300)
		s := e.signUp(to)
		a := newAuthenticator(t)
		p, cred := e.addPasskey(s.SessionToken, a, "Face ID")
		if p.Name != "Face ID" || p.DeviceID != s.DeviceID {
			t.Errorf("added passkey = %+v, want Face ID on device %s", p, s.DeviceID)
		}
		second, _ := e.addPasskey(s.SessionToken, a, "") // takes the device's name
		if second.Name != "First phone" {
			t.Errorf("passkey without a name is called %q, want the device's, First phone", second.Name)
		}

		var list struct{ Passkeys []passkeyJSON }
		e.json(req{method: "GET", path: "/api/v1/passkeys", token: s.SessionToken}, 200, &list)
		if len(list.Passkeys) != 2 || !slices.ContainsFunc(list.Passkeys, func(q passkeyJSON) bool { return q.ID == p.ID }) {
			t.Fatalf("GET /api/v1/passkeys = %+v, want %s among 2", list.Passkeys, p.ID)
		}
		var renamed passkeyJSON
		e.json(req{method: "PATCH", path: "/api/v1/passkeys/" + p.ID, token: s.SessionToken, body: map[string]string{"name": "iPhone"}}, 200, &renamed)
		if renamed.Name != "iPhone" {
			t.Errorf("PATCH name = %q, want iPhone", renamed.Name)
		}
		e.refused(req{method: "PATCH", path: "/api/v1/passkeys/" + p.ID, token: s.SessionToken, body: map[string]string{"name": "  "}}, 400, "invalid")

		// Lock the PIN: the passkey still signs in.
		for range 5 {
			e.do(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": "0000", "device_token": s.DeviceToken}})
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": goodPIN, "device_token": s.DeviceToken}}, 423, "locked")
		c := e.beginPasskeySignIn()
		var in signedIn
		e.json(req{method: "POST", path: "/api/v1/auth/passkey/finish", body: finish(c, a.Get(c.Options, cred), "")}, 200, &in)
		if in.SessionToken == "" || in.CitizenID != s.CitizenID || in.DeviceID != s.DeviceID {
			t.Fatalf("passkey sign-in = %+v, want a session of %s on %s", in, s.CitizenID, s.DeviceID)
		}
		e.json(req{method: "GET", path: "/api/v1/me", token: in.SessionToken}, 200, nil)
		// The same ceremony cannot sign in twice.
		e.refused(req{method: "POST", path: "/api/v1/auth/passkey/finish", body: finish(c, a.Get(c.Options, cred), "")}, 400, "invalid")

		// Confirm with the passkey; then remove it.
		var rc ceremony
		e.json(req{method: "POST", path: "/api/v1/auth/reauth/passkey/begin", token: in.SessionToken}, 200, &rc)
		e.json(req{method: "POST", path: "/api/v1/auth/reauth/passkey/finish", token: in.SessionToken, body: finish(rc, a.Get(rc.Options, cred), "")}, 200, nil)
		e.do(req{method: "DELETE", path: "/api/v1/passkeys/" + p.ID, token: in.SessionToken})
		e.refused(req{method: "DELETE", path: "/api/v1/passkeys/" + p.ID, token: in.SessionToken}, 404, "not_found")
		c = e.beginPasskeySignIn()
		pr, _ := e.refused(req{method: "POST", path: "/api/v1/auth/passkey/finish", body: finish(c, a.Get(c.Options, cred), "")}, 401, "unauthorized")
		if pr.Detail == "" {
			t.Error("refused passkey sign-in without a detail")
		}
	})
}

// TestAPIPasskeyRefusals: what must not sign in or register.
func TestAPIPasskeyRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		to := phone(301)
		s := e.signUp(to)
		a := newAuthenticator(t)
		_, cred := e.addPasskey(s.SessionToken, a, "Phone")

		t.Run("unknown credential", func(t *testing.T) {
			c := e.beginPasskeySignIn()
			stranger := newAuthenticator(t)
			stranger.SetUserHandle([]byte("someone"))
			p, _ := e.refused(req{method: "POST", path: "/api/v1/auth/passkey/finish",
				body: finish(c, stranger.Get(c.Options, newCredential(t)), ""), headers: english}, 401, "unauthorized")
			if p.Detail != "This passkey is not registered with any account; sign in another way." {
				t.Errorf("unknown passkey detail = %q", p.Detail)
			}
		})
		t.Run("unknown ceremony", func(t *testing.T) {
			c := e.beginPasskeySignIn()
			resp := a.Get(c.Options, cred)
			c.CeremonyID = "wc_nosuch"
			e.refused(req{method: "POST", path: "/api/v1/auth/passkey/finish", body: finish(c, resp, "")}, 400, "invalid")
		})
		t.Run("reused registration ceremony", func(t *testing.T) {
			var c ceremony
			e.json(req{method: "POST", path: "/api/v1/passkeys/register/begin", token: s.SessionToken}, 200, &c)
			resp, _ := a.Create(c.Options)
			e.json(req{method: "POST", path: "/api/v1/passkeys/register/finish", token: s.SessionToken, body: finish(c, resp, "Key")}, 201, nil)
			resp2, _ := a.Create(c.Options)
			e.refused(req{method: "POST", path: "/api/v1/passkeys/register/finish", token: s.SessionToken, body: finish(c, resp2, "Key 2")}, 400, "invalid")
		})
		t.Run("not signed in", func(t *testing.T) {
			e.refused(req{method: "POST", path: "/api/v1/passkeys/register/begin"}, 401, "unauthorized")
			e.refused(req{method: "GET", path: "/api/v1/passkeys"}, 401, "unauthorized")
		})
		t.Run("too large", func(t *testing.T) {
			c := e.beginPasskeySignIn()
			big := make([]byte, 70<<10)
			for i := range big {
				big[i] = 'a'
			}
			e.refused(req{method: "POST", path: "/api/v1/auth/passkey/finish",
				body: map[string]any{"ceremony_id": c.CeremonyID, "response": map[string]string{"id": string(big)}}}, 413, "too_large")
		})
		t.Run("blocked device", func(t *testing.T) {
			laptop := e.signInNewDevice(to, goodPIN)
			e.json(req{method: "POST", path: "/api/v1/devices/" + s.DeviceID + "/block", token: laptop.SessionToken}, 200, nil)
			c := e.beginPasskeySignIn()
			p, _ := e.refused(req{method: "POST", path: "/api/v1/auth/passkey/finish", body: finish(c, a.Get(c.Options, cred), ""), headers: english}, 401, "unauthorized")
			if p.Detail != "This passkey belongs to a blocked device; sign in with a code sent by SMS." {
				t.Errorf("blocked device detail = %q", p.Detail)
			}
			var list struct{ Passkeys []passkeyJSON }
			e.json(req{method: "GET", path: "/api/v1/passkeys", token: laptop.SessionToken}, 200, &list)
			if len(list.Passkeys) == 0 || list.Passkeys[0].BlockedAt == "" {
				t.Errorf("passkeys after blocking their device = %+v, want blocked_at", list.Passkeys)
			}
			e.refused(req{method: "POST", path: "/api/v1/auth/reauth/passkey/begin", token: laptop.SessionToken}, 404, "not_found")
		})
	})
}

// english asks for answers in English.
var english = []string{"Accept-Language: en"}
