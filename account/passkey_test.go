package account_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestPasskeySignIn: a citizen registers two passkeys on two devices and
// signs in with each, usernameless and with the phone number as a hint;
// each sign-in is a session on the passkey's own device.
func TestPasskeySignIn(t *testing.T) { testdb.Each(t, testPasskeySignIn) }

func testPasskeySignIn(t *testing.T, db *store.DB) {
	e := newEnv(t, db, withPasskeys)
	first := e.signUp(phone(1))
	laptop, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN,
		OTPProof: e.proof(phone(1), account.PurposeSignIn), DeviceName: "Laptop"})
	if err != nil {
		t.Fatalf("SignInWithPIN(new device) = %v", err)
	}
	phoneAuth, laptopAuth := newAuthenticator(t), newAuthenticator(t)

	options, _, err := e.svc.Passkeys.BeginRegistration(e.ctx, first.Session)
	if err != nil {
		t.Fatalf("BeginRegistration = %v", err)
	}
	var opts struct {
		RP                     struct{ ID string }
		User                   struct{ ID, Name string }
		AuthenticatorSelection struct{ ResidentKey, UserVerification string }
		Attestation            string
	}
	if err := json.Unmarshal(options, &opts); err != nil {
		t.Fatalf("BeginRegistration options %s: %v", options, err)
	}
	handle, err := base64.RawURLEncoding.DecodeString(opts.User.ID)
	if err != nil || len(handle) != 32 || bytes.Contains(handle, []byte(first.Citizen.ID)) || opts.RP.ID != testRPID ||
		opts.User.Name != phone(1) || opts.AuthenticatorSelection.UserVerification != "required" ||
		opts.AuthenticatorSelection.ResidentKey != "preferred" || opts.Attestation != "none" {
		t.Errorf("BeginRegistration options = %s; want RP %s, UV required, resident key preferred, no attestation, an opaque user id", options, testRPID)
	}

	p1, c1 := e.addPasskey(first.Session, phoneAuth, "  My phone ")
	e.clock.Advance(time.Second)
	p2, c2 := e.addPasskey(laptop.Session, laptopAuth, "") // takes the device's name
	if p1.Name != "My phone" || p1.DeviceID != first.Device.ID || p2.Name != "Laptop" || p2.DeviceID != laptop.Device.ID ||
		p1.CitizenID != first.Citizen.ID || p2.CitizenID != first.Citizen.ID {
		t.Errorf("FinishRegistration = %+v, %+v; want named passkeys on the phone and the laptop", p1, p2)
	}
	options, _, _ = e.svc.Passkeys.BeginRegistration(e.ctx, first.Session)
	if !bytes.Contains(options, []byte(base64.RawURLEncoding.EncodeToString(c1.ID))) ||
		!bytes.Contains(options, []byte(base64.RawURLEncoding.EncodeToString(c2.ID))) {
		t.Errorf("BeginRegistration options do not exclude the registered passkeys: %s", options)
	}
	list, err := e.svc.Passkeys.List(e.ctx, first.Citizen.ID)
	if err != nil || len(list) != 2 || list[0].ID != p1.ID || list[1].ID != p2.ID {
		t.Fatalf("List = %+v, %v; want %s, %s", list, err, p1.ID, p2.ID)
	}

	for i, tc := range []struct {
		auth   *authenticator
		device account.Device
	}{{phoneAuth, first.Device}, {laptopAuth, laptop.Device}} {
		res, err := e.passkeySignIn(tc.auth, tc.auth.creds[0])
		if err != nil {
			t.Fatalf("FinishLogin(passkey %d) = %v", i+1, err)
		}
		if res.Citizen.ID != first.Citizen.ID || res.Session.DeviceID != tc.device.ID || res.Device.Name != tc.device.Name ||
			res.DeviceToken != "" || !res.Session.ReauthAt.Equal(e.clock.Now()) {
			t.Errorf("FinishLogin(passkey %d) = %+v; want a session on %s", i+1, res, tc.device.Name)
		}
		if s, _, err := e.svc.Sessions.Authenticate(e.ctx, res.SessionToken); err != nil || s.ID != res.Session.ID {
			t.Errorf("Authenticate(passkey session %d) = %+v, %v", i+1, s, err)
		}
	}
	list, _ = e.svc.Passkeys.List(e.ctx, first.Citizen.ID)
	if list[0].LastUsedAt.IsZero() || list[1].LastUsedAt.IsZero() {
		t.Errorf("List after sign-ins = %+v; want last-used times", list)
	}

	// With the phone number as a hint, the options allow exactly its passkeys.
	options, id, err := e.svc.Passkeys.BeginLoginForPhone(e.ctx, phone(1))
	if err != nil {
		t.Fatalf("BeginLoginForPhone = %v", err)
	}
	if got := allowed(t, options); len(got) != 2 || got[0] != base64.RawURLEncoding.EncodeToString(c1.ID) {
		t.Errorf("BeginLoginForPhone allows %v, want the 2 passkeys", got)
	}
	if _, err := e.svc.Passkeys.FinishLogin(e.ctx, id, laptopAuth.get(options, c2), account.Client{}); err != nil {
		t.Errorf("FinishLogin(phone hint) = %v", err)
	}
	// A number without passkeys looks the same, and never signs in.
	decoy, id, err := e.svc.Passkeys.BeginLoginForPhone(e.ctx, phone(9))
	again, _, _ := e.svc.Passkeys.BeginLoginForPhone(e.ctx, phone(9))
	if err != nil || len(allowed(t, decoy)) == 0 || strings.Join(allowed(t, decoy), ",") != strings.Join(allowed(t, again), ",") {
		t.Errorf("BeginLoginForPhone(unregistered) = %s, %v; want the same made-up passkeys each time", decoy, err)
	}
	_, err = e.svc.Passkeys.FinishLogin(e.ctx, id, phoneAuth.get(decoy, c1), account.Client{})
	wantKey(t, "FinishLogin(passkey not in the hinted list)", err, "account.passkey.failed")
	_, _, err = e.svc.Passkeys.BeginLoginForPhone(e.ctx, "12345")
	wantCode(t, "BeginLoginForPhone(malformed)", err, digitalid.EINVALID)

	for _, action := range []string{"account.passkey.added", "account.signin"} {
		if !e.hasEvent(first.Citizen.ID, action, audit.Success) {
			t.Errorf("no successful %s in the audit log", action)
		}
	}
	if r, err := e.audit.Verify(e.ctx, nil); err != nil || !r.OK() {
		t.Errorf("audit.Verify = %v, %v", r, err)
	}
	noPasskeyPlaintext(t, db, "My phone", phone(1))
}

// allowed returns the credential ids request options allow.
func allowed(t *testing.T, options json.RawMessage) []string {
	t.Helper()
	var o struct{ AllowCredentials []struct{ ID string } }
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatalf("request options %s: %v", options, err)
	}
	var ids []string
	for _, c := range o.AllowCredentials {
		ids = append(ids, c.ID)
	}
	return ids
}

// noPasskeyPlaintext fails if the passkey tables hold any of values in clear.
func noPasskeyPlaintext(t *testing.T, db *store.DB, values ...string) {
	t.Helper()
	for _, q := range []string{"SELECT name_sealed, credential, user_handle FROM account_passkeys",
		"SELECT data, data, data FROM account_passkey_ceremonies"} {
		rows, err := db.SQL().Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var a, b, c []byte
			if err := rows.Scan(&a, &b, &c); err != nil {
				t.Fatalf("scan: %v", err)
			}
			for _, v := range values {
				if bytes.Contains(bytes.Join([][]byte{a, b, c}, nil), []byte(v)) {
					t.Errorf("%s holds %q in clear", q, v)
				}
			}
		}
		rows.Close()
	}
}

// TestPasskeyDuringPINLock: five wrong PINs lock the PIN; the owner still
// signs in with a passkey, and the PIN stays locked.
func TestPasskeyDuringPINLock(t *testing.T) { testdb.Each(t, testPasskeyDuringPINLock) }

func testPasskeyDuringPINLock(t *testing.T, db *store.DB) {
	e := newEnv(t, db, withPasskeys)
	res := e.signUp(phone(1))
	a := newAuthenticator(t)
	_, cred := e.addPasskey(res.Session, a, "Phone")
	var err error
	for range 5 {
		_, err = e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: wrongPIN, DeviceToken: res.DeviceToken})
	}
	wantCode(t, "SignInWithPIN(5th wrong PIN)", err, digitalid.ELOCKED)
	got, err := e.passkeySignIn(a, cred)
	if err != nil || got.Citizen.ID != res.Citizen.ID {
		t.Fatalf("FinishLogin during a PIN lock = %+v, %v; want a session", got, err)
	}
	_, err = e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: res.DeviceToken})
	wantCode(t, "SignInWithPIN(right PIN, after the passkey sign-in)", err, digitalid.ELOCKED)
}

// TestPasskeyReauthenticate: a passkey check renews an old session's
// re-authentication; only the session's citizen's passkeys count.
func TestPasskeyReauthenticate(t *testing.T) { testdb.Each(t, testPasskeyReauthenticate) }

func testPasskeyReauthenticate(t *testing.T, db *store.DB) {
	e := newEnv(t, db, withPasskeys)
	alice, bob := e.signUp(phone(1)), e.signUp(phone(2))
	aliceAuth, bobAuth := newAuthenticator(t), newAuthenticator(t)
	_, aliceCred := e.addPasskey(alice.Session, aliceAuth, "Alice's phone")
	_, bobCred := e.addPasskey(bob.Session, bobAuth, "Bob's phone")

	e.clock.Advance(10 * time.Minute)
	wantCode(t, "RequireRecentAuth(10 minutes after sign-in)", e.svc.Sessions.RequireRecentAuth(alice.Session, account.ReauthMaxAge), digitalid.EFORBIDDEN)
	_, _, err := e.svc.Passkeys.BeginRegistration(e.ctx, alice.Session)
	wantCode(t, "BeginRegistration(no recent re-authentication)", err, digitalid.EFORBIDDEN)

	begin := func() (json.RawMessage, string) {
		t.Helper()
		options, id, err := e.svc.Passkeys.BeginReauthentication(e.ctx, alice.Session)
		if err != nil {
			t.Fatalf("BeginReauthentication = %v", err)
		}
		return options, id
	}
	options, id := begin()
	if got := allowed(t, options); len(got) != 1 || got[0] != base64.RawURLEncoding.EncodeToString(aliceCred.ID) {
		t.Errorf("BeginReauthentication allows %v, want Alice's passkey", got)
	}
	_, err = e.svc.Passkeys.Reauthenticate(e.ctx, alice.Session, id, bobAuth.get(options, bobCred), account.Client{})
	wantKey(t, "Reauthenticate(another citizen's passkey)", err, "account.passkey.failed")

	options, id = begin()
	_, err = e.svc.Passkeys.FinishLogin(e.ctx, id, aliceAuth.get(options, aliceCred), account.Client{})
	wantKey(t, "FinishLogin(a re-authentication ceremony)", err, "account.passkey.ceremony")
	options, id = begin()
	_, err = e.svc.Passkeys.Reauthenticate(e.ctx, bob.Session, id, aliceAuth.get(options, aliceCred), account.Client{})
	wantKey(t, "Reauthenticate(another session's ceremony)", err, "account.passkey.ceremony")
	loginOptions, loginID := e.beginLogin()
	_, err = e.svc.Passkeys.Reauthenticate(e.ctx, alice.Session, loginID, aliceAuth.get(loginOptions, aliceCred), account.Client{})
	wantKey(t, "Reauthenticate(a sign-in ceremony)", err, "account.passkey.ceremony")

	options, id = begin()
	s, err := e.svc.Passkeys.Reauthenticate(e.ctx, alice.Session, id, aliceAuth.get(options, aliceCred), account.Client{})
	if err != nil || !s.ReauthAt.Equal(e.clock.Now()) {
		t.Fatalf("Reauthenticate = %+v, %v; want re-authenticated now", s, err)
	}
	if err := e.svc.Sessions.RequireRecentAuth(s, account.ReauthMaxAge); err != nil {
		t.Errorf("RequireRecentAuth after Reauthenticate = %v", err)
	}
	stored, _, err := e.svc.Sessions.Authenticate(e.ctx, alice.SessionToken)
	if err != nil || !stored.ReauthAt.Equal(e.clock.Now()) {
		t.Errorf("stored session after Reauthenticate = %+v, %v; want re-authenticated now", stored, err)
	}
	if !e.hasEvent(alice.Citizen.ID, "account.reauth", audit.Success) || !e.hasEvent(alice.Citizen.ID, "account.reauth", audit.Failure) {
		t.Errorf("re-authentications are not audited")
	}
}

// TestPasskeyDecoyShape: the made-up lists offered for numbers without
// passkeys have the counts and id lengths of real ones — 1 to 3 ids, each
// 16, 20, 32 or 64 bytes (account.Passkeys.decoys) — all of them occurring
// over a few hundred numbers, and each number keeps its own list.
func TestPasskeyDecoyShape(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), withPasskeys)
	counts, lengths := map[int]int{}, map[int]int{}
	for n := range 300 {
		options, _, err := e.svc.Passkeys.BeginLoginForPhone(e.ctx, phone(1000+n))
		if err != nil {
			t.Fatalf("BeginLoginForPhone = %v", err)
		}
		ids := allowed(t, options)
		counts[len(ids)]++
		for _, id := range ids {
			b, err := base64.RawURLEncoding.DecodeString(id)
			if err != nil {
				t.Fatalf("decoy id %q: %v", id, err)
			}
			lengths[len(b)]++
		}
	}
	for c := range counts {
		if c < 1 || c > 3 {
			t.Errorf("a decoy list holds %d ids, want 1 to 3 (counts %v)", c, counts)
		}
	}
	for _, c := range []int{1, 2, 3} {
		if counts[c] == 0 {
			t.Errorf("no decoy list of %d ids in 300 numbers (counts %v)", c, counts)
		}
	}
	if counts[1] <= counts[2]+counts[3] {
		t.Errorf("decoy counts %v, want one id in most lists", counts)
	}
	for l := range lengths {
		if l != 16 && l != 20 && l != 32 && l != 64 {
			t.Errorf("a decoy id is %d bytes, want 16, 20, 32 or 64 (lengths %v)", l, lengths)
		}
	}
	for _, l := range []int{16, 20, 32, 64} {
		if lengths[l] == 0 {
			t.Errorf("no decoy id of %d bytes (lengths %v)", l, lengths)
		}
	}
}
