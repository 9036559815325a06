package account_test

import (
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestPasskeyManage: a citizen lists, renames and removes their own
// passkeys, never another citizen's; removing needs a recent
// re-authentication; a blocked device's passkeys are listed as blocked.
func TestPasskeyManage(t *testing.T) { testdb.Each(t, testPasskeyManage) }

func testPasskeyManage(t *testing.T, db *store.DB) {
	e := newEnv(t, db, withPasskeys)
	alice, bob := e.signUp(phone(1)), e.signUp(phone(2))
	a := newAuthenticator(t)
	p1, _ := e.addPasskey(alice.Session, a, "Phone")
	e.clock.Advance(time.Second)
	p2, _ := e.addPasskey(alice.Session, a, "Key")
	bobs, _ := e.addPasskey(bob.Session, newAuthenticator(t), "Bob's")

	for _, tc := range []struct {
		name string
		err  error
		code string
		key  string
	}{
		{"Rename(bad name)", e.svc.Passkeys.Rename(e.ctx, alice.Session, p1.ID, " ", account.Client{}), digitalid.EINVALID, "account.passkey.name"},
		{"Rename(another citizen's)", e.svc.Passkeys.Rename(e.ctx, alice.Session, bobs.ID, "Mine", account.Client{}), digitalid.ENOTFOUND, "account.passkey.not_found"},
		{"Remove(another citizen's)", e.svc.Passkeys.Remove(e.ctx, alice.Session, bobs.ID, account.Client{}), digitalid.ENOTFOUND, "account.passkey.not_found"},
		{"Remove(unknown)", e.svc.Passkeys.Remove(e.ctx, alice.Session, "pk_nothing", account.Client{}), digitalid.ENOTFOUND, "account.passkey.not_found"},
	} {
		wantCode(t, tc.name, tc.err, tc.code)
		wantKey(t, tc.name, tc.err, tc.key)
	}
	if list, _ := e.svc.Passkeys.List(e.ctx, bob.Citizen.ID); len(list) != 1 || list[0].Name != "Bob's" {
		t.Errorf("Bob's passkeys after Alice's attempts = %+v; want unchanged", list)
	}

	if err := e.svc.Passkeys.Rename(e.ctx, alice.Session, p1.ID, " Work phone ", account.Client{}); err != nil {
		t.Fatalf("Rename = %v", err)
	}
	if err := e.svc.Passkeys.Remove(e.ctx, alice.Session, p2.ID, account.Client{}); err != nil {
		t.Fatalf("Remove = %v", err)
	}
	wantKey(t, "Remove(again)", e.svc.Passkeys.Remove(e.ctx, alice.Session, p2.ID, account.Client{}), "account.passkey.not_found")
	list, err := e.svc.Passkeys.List(e.ctx, alice.Citizen.ID)
	if err != nil || len(list) != 1 || list[0].ID != p1.ID || list[0].Name != "Work phone" || list[0].Blocked() {
		t.Fatalf("List after rename and remove = %+v, %v; want only %s, Work phone", list, err, p1.ID)
	}
	for _, action := range []string{"account.passkey.renamed", "account.passkey.removed"} {
		if !e.hasEvent(alice.Citizen.ID, action, audit.Success) {
			t.Errorf("%s is not audited", action)
		}
	}

	e.clock.Advance(account.ReauthMaxAge + time.Second)
	wantCode(t, "Remove(no recent re-authentication)", e.svc.Passkeys.Remove(e.ctx, alice.Session, p1.ID, account.Client{}), digitalid.EFORBIDDEN)
	if _, err := e.svc.Sessions.BlockDevice(e.ctx, alice.Session, alice.Device.ID, account.Client{}); err != nil {
		t.Fatalf("BlockDevice = %v", err)
	}
	if list, _ := e.svc.Passkeys.List(e.ctx, alice.Citizen.ID); len(list) != 1 || !list[0].Blocked() {
		t.Errorf("List after BlockDevice = %+v; want the passkey shown blocked", list)
	}
	_, _, err = e.svc.Passkeys.BeginReauthentication(e.ctx, alice.Session)
	wantKey(t, "BeginReauthentication(only blocked passkeys)", err, "account.passkey.not_found")
}

// TestPasskeyLimit: a citizen holds at most MaxPasskeys passkeys.
func TestPasskeyLimit(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), withPasskeys)
	res := e.signUp(phone(1))
	a := newAuthenticator(t)
	for range account.MaxPasskeys {
		e.addPasskey(res.Session, a, "Key")
	}
	_, _, err := e.svc.Passkeys.BeginRegistration(e.ctx, res.Session)
	wantKey(t, "BeginRegistration(at the limit)", err, "account.passkey.limit")
}

// TestPasskeyConfig: the relying party comes from the public URL, and a
// service without one has no passkeys.
func TestPasskeyConfig(t *testing.T) {
	for _, tc := range []struct {
		url, rpID, origin string
	}{
		{"https://id.gov.kz", "id.gov.kz", "https://id.gov.kz"},
		{"https://id.gov.kz/app/", "id.gov.kz", "https://id.gov.kz"},
		{"http://localhost:8080", "localhost", "http://localhost:8080"},
	} {
		c, err := account.PasskeyConfigFromURL(tc.url)
		if err != nil || c.RPID != tc.rpID || len(c.Origins) != 1 || c.Origins[0] != tc.origin {
			t.Errorf("PasskeyConfigFromURL(%q) = %+v, %v; want %s at %s", tc.url, c, err, tc.rpID, tc.origin)
		}
	}
	for _, bad := range []string{"", "id.gov.kz", "ftp://id.gov.kz", "https://"} {
		if _, err := account.PasskeyConfigFromURL(bad); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("PasskeyConfigFromURL(%q) = %v, want EINVALID", bad, err)
		}
	}
	e := newEnv(t, testdb.SQLite(t), nil)
	if e.svc.Passkeys != nil {
		t.Errorf("Service.Passkeys without a relying party = %v, want nil", e.svc.Passkeys)
	}
	db := testdb.SQLite(t)
	for _, cfg := range []account.PasskeyConfig{{RPID: testRPID}, {RPID: "not a domain!", Origins: []string{testOrigin}}} {
		_, err := account.New(account.Config{Store: db, Keys: testKeys(), SMS: e.outbox, Audit: e.audit, Passkey: cfg})
		wantCode(t, "account.New(passkeys "+cfg.RPID+")", err, digitalid.EINVALID)
	}
}
