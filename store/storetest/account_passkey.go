package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/store"
)

// AccountPasskeys exercises every passkey store method on db: ceremonies,
// registration, the one-step use of an assertion (exact under concurrency),
// listing, renaming, removing and purging.
func AccountPasskeys(t *testing.T, db *store.DB) {
	t.Run("ceremonies", func(t *testing.T) { passkeyCeremonies(t, db) })
	t.Run("add and list", func(t *testing.T) { passkeyAddList(t, db) })
	t.Run("sign in", func(t *testing.T) { passkeySignIn(t, db) })
	t.Run("reauthenticate", func(t *testing.T) { passkeyReauth(t, db) })
	t.Run("concurrent use", func(t *testing.T) { passkeyConcurrentUse(t, db) })
}

func ceremony(id, kind string, at time.Time) account.PasskeyCeremony {
	return account.PasskeyCeremony{ID: id, Kind: kind, Data: []byte(`{"challenge":"` + id + `"}`),
		CreatedAt: at, ExpiresAt: at.Add(5 * time.Minute)}
}

func mustCeremony(t *testing.T, db *store.DB, c account.PasskeyCeremony) {
	t.Helper()
	if err := db.CreatePasskeyCeremony(context.Background(), c); err != nil {
		t.Fatalf("CreatePasskeyCeremony(%s) = %v", c.ID, err)
	}
}

func passkeyRecord(d account.DeviceRecord, id string, at time.Time) account.PasskeyRecord {
	return account.PasskeyRecord{
		ID: id, CitizenID: d.CitizenID, DeviceID: d.ID, CredentialID: []byte("cred-" + id), UserHandle: []byte("handle-" + d.CitizenID),
		Credential: []byte(`{"v":1}`), NameSealed: []byte("name-" + id), SignCount: 3_000_000_000, CreatedAt: at,
	}
}

// mustPasskey stores a citizen's device and a passkey on it.
func mustPasskey(t *testing.T, db *store.DB, name string) (account.CitizenRecord, account.DeviceRecord, account.PasskeyRecord) {
	t.Helper()
	c := mustCitizen(t, db, name)
	d := deviceRecord(c.ID, "d_"+name)
	if err := db.CreateDevice(context.Background(), d); err != nil {
		t.Fatalf("CreateDevice = %v", err)
	}
	mustCeremony(t, db, ceremony("wc_add_"+name, account.CeremonyRegister, accountT0))
	p := passkeyRecord(d, "pk_"+name, accountT0)
	if err := db.AddPasskey(context.Background(), "wc_add_"+name, p); err != nil {
		t.Fatalf("AddPasskey(%s) = %v", p.ID, err)
	}
	return c, d, p
}

func passkeyCeremonies(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := ceremony("wc_one", account.CeremonyReauth, accountT0)
	c.SessionID, c.CitizenID = "s_x", "c_x"
	mustCeremony(t, db, c)
	wantErrCode(t, "CreatePasskeyCeremony(same id)", db.CreatePasskeyCeremony(ctx, c), digitalid.ECONFLICT)
	got, err := db.PasskeyCeremony(ctx, c.ID)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(c) {
		t.Errorf("PasskeyCeremony = %+v, %v; want %+v", got, err, c)
	}
	_, err = db.PasskeyCeremony(ctx, "wc_nobody")
	wantErrCode(t, "PasskeyCeremony(unknown)", err, digitalid.ENOTFOUND)
	if err := db.DeletePasskeyCeremony(ctx, c.ID); err != nil {
		t.Fatalf("DeletePasskeyCeremony = %v", err)
	}
	wantErrCode(t, "DeletePasskeyCeremony(again)", db.DeletePasskeyCeremony(ctx, c.ID), digitalid.ENOTFOUND)

	old, live := ceremony("wc_old", account.CeremonyLogin, accountT0), ceremony("wc_live", account.CeremonyLogin, accountT0.Add(time.Hour))
	mustCeremony(t, db, old)
	mustCeremony(t, db, live)
	n, err := db.PurgePasskeyCeremonies(ctx, accountT0.Add(30*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("PurgePasskeyCeremonies = %d, %v; want 1 (the expired one)", n, err)
	}
	if _, err := db.PasskeyCeremony(ctx, live.ID); err != nil {
		t.Errorf("PasskeyCeremony(live after purge) = %v", err)
	}
}

func passkeyAddList(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, d, p1 := mustPasskey(t, db, "pkadd")
	other, od, _ := mustPasskey(t, db, "pkadd-other")

	wantErrCode(t, "AddPasskey(used ceremony)", db.AddPasskey(ctx, "wc_add_pkadd", passkeyRecord(d, "pk_x", accountT0)), digitalid.ENOTFOUND)
	mustCeremony(t, db, ceremony("wc_dup", account.CeremonyRegister, accountT0))
	dup := passkeyRecord(d, "pk_dup", accountT0)
	dup.CredentialID = p1.CredentialID
	wantErrCode(t, "AddPasskey(same credential id)", db.AddPasskey(ctx, "wc_dup", dup), digitalid.ECONFLICT)
	if _, err := db.PasskeyCeremony(ctx, "wc_dup"); err != nil {
		t.Errorf("a refused AddPasskey used its ceremony: %v", err)
	}
	wantErrCode(t, "AddPasskey(another citizen's device)", db.AddPasskey(ctx, "wc_dup", passkeyRecord(account.DeviceRecord{ID: od.ID, CitizenID: c.ID}, "pk_y", accountT0)), digitalid.ENOTFOUND)

	p2 := passkeyRecord(d, "pk_two", accountT0.Add(time.Second))
	p2.SignCount = 0
	if err := db.AddPasskey(ctx, "wc_dup", p2); err != nil {
		t.Fatalf("AddPasskey(second) = %v", err)
	}
	list, err := db.ListPasskeys(ctx, c.ID)
	if err != nil || len(list) != 2 || fmt.Sprint(list[0]) != fmt.Sprint(p1) || fmt.Sprint(list[1]) != fmt.Sprint(p2) {
		t.Fatalf("ListPasskeys = %+v, %v; want %+v, %+v", list, err, p1, p2)
	}
	if byPhone, err := db.PasskeysByPhoneKey(ctx, c.PhoneKey); err != nil || len(byPhone) != 2 {
		t.Errorf("PasskeysByPhoneKey = %d passkeys, %v; want 2", len(byPhone), err)
	}
	if none, err := db.PasskeysByPhoneKey(ctx, []byte("nobody")); err != nil || len(none) != 0 {
		t.Errorf("PasskeysByPhoneKey(unknown) = %v, %v; want none", none, err)
	}

	if err := db.RenamePasskey(ctx, c.ID, p2.ID, []byte("renamed")); err != nil {
		t.Fatalf("RenamePasskey = %v", err)
	}
	wantErrCode(t, "RenamePasskey(another's)", db.RenamePasskey(ctx, other.ID, p2.ID, []byte("x")), digitalid.ENOTFOUND)
	wantErrCode(t, "RemovePasskey(another's)", db.RemovePasskey(ctx, other.ID, p2.ID, accountT0), digitalid.ENOTFOUND)
	if err := db.RemovePasskey(ctx, c.ID, p1.ID, accountT0.Add(time.Minute)); err != nil {
		t.Fatalf("RemovePasskey = %v", err)
	}
	wantErrCode(t, "RemovePasskey(again)", db.RemovePasskey(ctx, c.ID, p1.ID, accountT0), digitalid.ENOTFOUND)
	wantErrCode(t, "RenamePasskey(removed)", db.RenamePasskey(ctx, c.ID, p1.ID, []byte("x")), digitalid.ENOTFOUND)

	at := accountT0.Add(2 * time.Minute)
	if _, err := db.BlockDevice(ctx, c.ID, d.ID, at); err != nil {
		t.Fatalf("BlockDevice = %v", err)
	}
	list, err = db.ListPasskeys(ctx, c.ID)
	if err != nil || len(list) != 1 || list[0].ID != p2.ID || string(list[0].NameSealed) != "renamed" || !list[0].DeviceBlockedAt.Equal(at) {
		t.Errorf("ListPasskeys after rename, remove and block = %+v, %v; want only %s, renamed, blocked at %v", list, err, p2.ID, at)
	}
	mustCeremony(t, db, ceremony("wc_blocked", account.CeremonyRegister, accountT0))
	wantErrCode(t, "AddPasskey(blocked device)", db.AddPasskey(ctx, "wc_blocked", passkeyRecord(d, "pk_z", accountT0)), digitalid.ENOTFOUND)

	// The assertion view: the passkey, removed or not, with device and citizen.
	mustCeremony(t, db, ceremony("wc_view", account.CeremonyLogin, accountT0))
	cer, v, err := db.PasskeyAssertion(ctx, "wc_view", p1.CredentialID)
	if err != nil || cer.ID != "wc_view" || v.Passkey.ID != p1.ID || !v.Passkey.RemovedAt.Equal(accountT0.Add(time.Minute)) ||
		v.Device.ID != d.ID || !v.Device.BlockedAt.Equal(at) || !equalCitizen(v.Citizen, c) {
		t.Errorf("PasskeyAssertion(removed passkey) = %+v, %+v, %v", cer, v, err)
	}
	cer, v, err = db.PasskeyAssertion(ctx, "wc_nobody", p2.CredentialID)
	if err != nil || cer.ID != "" || v.Passkey.ID != p2.ID {
		t.Errorf("PasskeyAssertion(unknown ceremony) = %+v, %+v, %v; want no ceremony, the passkey", cer, v, err)
	}
	_, _, err = db.PasskeyAssertion(ctx, "wc_view", []byte("no such credential"))
	wantErrCode(t, "PasskeyAssertion(unknown credential)", err, digitalid.ENOTFOUND)
}

// signInUse is a sign-in with passkey p on ceremony id.
func signInUse(p account.PasskeyRecord, ceremonyID, sessionID string, old, next uint32, at time.Time) account.PasskeyUse {
	s := sessionFor(account.DeviceRecord{ID: p.DeviceID, CitizenID: p.CitizenID}, sessionID, at)
	return account.PasskeyUse{CeremonyID: ceremonyID, PasskeyID: p.ID, DeviceID: p.DeviceID, OldCount: old, NewCount: next,
		At: at, Session: &s, SessionHash: []byte("hash-" + sessionID)}
}

func passkeySignIn(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, d, p := mustPasskey(t, db, "pkuse")
	at := accountT0.Add(time.Minute)
	mustCeremony(t, db, ceremony("wc_use", account.CeremonyLogin, accountT0))
	u := signInUse(p, "wc_use", "s_pk1", p.SignCount, p.SignCount+1, at)
	wantErrCode(t, "UsePasskey(no session, no reauth)", db.UsePasskey(ctx, account.PasskeyUse{CeremonyID: "wc_use"}), digitalid.EINVALID)
	if err := db.UsePasskey(ctx, u); err != nil {
		t.Fatalf("UsePasskey = %v", err)
	}
	v, err := db.SessionByTokenHash(ctx, u.SessionHash)
	if err != nil || v.Session != *u.Session || v.Citizen.ID != c.ID {
		t.Errorf("session after UsePasskey = %+v, %v; want %+v", v, err, *u.Session)
	}
	list, _ := db.ListPasskeys(ctx, c.ID)
	if len(list) != 1 || list[0].SignCount != p.SignCount+1 || !list[0].LastUsedAt.Equal(at) {
		t.Errorf("passkey after UsePasskey = %+v; want counter %d, last used %v", list, p.SignCount+1, at)
	}
	if got, _ := db.DeviceByID(ctx, d.ID); !got.LastSeenAt.Equal(at) {
		t.Errorf("device last seen after UsePasskey = %v, want %v", got.LastSeenAt, at)
	}
	wantErrCode(t, "UsePasskey(used ceremony)", db.UsePasskey(ctx, signInUse(p, "wc_use", "s_pk2", p.SignCount+1, p.SignCount+2, at)), digitalid.ENOTFOUND)

	for _, tc := range []struct {
		name  string
		setup func()
		use   account.PasskeyUse
	}{
		{"counter moved", func() {}, signInUse(p, "wc_stale", "s_stale", p.SignCount, p.SignCount+5, at)},
		{"other device", func() {}, func() account.PasskeyUse {
			u := signInUse(p, "wc_dev", "s_dev", p.SignCount+1, p.SignCount+5, at)
			u.DeviceID = "d_other"
			return u
		}()},
		{"removed", func() {
			if err := db.RemovePasskey(ctx, c.ID, p.ID, at); err != nil {
				t.Fatalf("RemovePasskey = %v", err)
			}
		}, signInUse(p, "wc_removed", "s_removed", p.SignCount+1, p.SignCount+5, at)},
	} {
		mustCeremony(t, db, ceremony(tc.use.CeremonyID, account.CeremonyLogin, accountT0))
		tc.setup()
		wantErrCode(t, "UsePasskey("+tc.name+")", db.UsePasskey(ctx, tc.use), digitalid.ECONFLICT)
		if _, err := db.SessionByTokenHash(ctx, tc.use.SessionHash); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("UsePasskey(%s) started a session: %v", tc.name, err)
		}
		if _, err := db.PasskeyCeremony(ctx, tc.use.CeremonyID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("UsePasskey(%s) left its ceremony usable: %v", tc.name, err)
		}
	}
	if _, v, _ := db.PasskeyAssertion(ctx, "", p.CredentialID); v.Passkey.SignCount != p.SignCount+1 {
		t.Errorf("refused uses moved the counter to %d", v.Passkey.SignCount)
	}

	_, _, q := mustPasskey(t, db, "pkuse-blocked")
	if _, err := db.BlockDevice(ctx, q.CitizenID, q.DeviceID, at); err != nil {
		t.Fatalf("BlockDevice = %v", err)
	}
	mustCeremony(t, db, ceremony("wc_blocked_use", account.CeremonyLogin, accountT0))
	wantErrCode(t, "UsePasskey(blocked device)", db.UsePasskey(ctx, signInUse(q, "wc_blocked_use", "s_b", q.SignCount, q.SignCount+1, at)), digitalid.ECONFLICT)
}

func passkeyReauth(t *testing.T, db *store.DB) {
	ctx := context.Background()
	_, d, p := mustPasskey(t, db, "pkreauth")
	s := sessionFor(d, "s_reauth", accountT0)
	if err := db.CreateSession(ctx, s, []byte("hash-s_reauth")); err != nil {
		t.Fatalf("CreateSession = %v", err)
	}
	at := accountT0.Add(3 * time.Minute)
	reauth := func(ceremonyID string, old uint32) account.PasskeyUse {
		mustCeremony(t, db, ceremony(ceremonyID, account.CeremonyReauth, accountT0))
		return account.PasskeyUse{CeremonyID: ceremonyID, PasskeyID: p.ID, DeviceID: d.ID, OldCount: old, NewCount: old + 1, At: at, ReauthSessionID: s.ID}
	}
	if err := db.UsePasskey(ctx, reauth("wc_r1", p.SignCount)); err != nil {
		t.Fatalf("UsePasskey(reauth) = %v", err)
	}
	if v, _ := db.SessionByTokenHash(ctx, []byte("hash-s_reauth")); !v.Session.ReauthAt.Equal(at) {
		t.Errorf("session reauth after UsePasskey = %v, want %v", v.Session.ReauthAt, at)
	}
	if err := db.EndSession(ctx, s.CitizenID, s.ID, at, account.EndSignOut); err != nil {
		t.Fatalf("EndSession = %v", err)
	}
	wantErrCode(t, "UsePasskey(reauth of an ended session)", db.UsePasskey(ctx, reauth("wc_r2", p.SignCount+1)), digitalid.ECONFLICT)
	if _, v, _ := db.PasskeyAssertion(ctx, "", p.CredentialID); v.Passkey.SignCount != p.SignCount+1 {
		t.Errorf("a refused reauth moved the counter to %d", v.Passkey.SignCount)
	}
}

// passkeyConcurrentUse: many finishes of one ceremony, and of several
// ceremonies with the same counter, each start exactly one session.
func passkeyConcurrentUse(t *testing.T, db *store.DB) {
	ctx := context.Background()
	_, _, p := mustPasskey(t, db, "pkrace")
	const n = 16
	race := func(name string, ceremonyID func(i int) string) {
		var ok, notFound, conflict atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.UsePasskey(ctx, signInUse(p, ceremonyID(i), fmt.Sprintf("s_%s_%d", name, i), 0, 1, accountT0))
				switch digitalid.ErrorCode(err) {
				case "":
					ok.Add(1)
				case digitalid.ENOTFOUND:
					notFound.Add(1)
				case digitalid.ECONFLICT:
					conflict.Add(1)
				default:
					t.Errorf("UsePasskey(%s) = %v", name, err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Errorf("%s: %d of %d uses succeeded (%d without ceremony, %d conflicts), want exactly 1",
				name, ok.Load(), n, notFound.Load(), conflict.Load())
		}
	}
	resetCounter(t, db, p.ID)
	mustCeremony(t, db, ceremony("wc_race", account.CeremonyLogin, accountT0))
	race("one ceremony", func(int) string { return "wc_race" })
	resetCounter(t, db, p.ID)
	for i := range n {
		mustCeremony(t, db, ceremony(fmt.Sprintf("wc_race_%d", i), account.CeremonyLogin, accountT0))
	}
	race("one counter", func(i int) string { return fmt.Sprintf("wc_race_%d", i) })
}

// resetCounter sets a passkey's counter to 0 under the store.
func resetCounter(t *testing.T, db *store.DB, id string) {
	t.Helper()
	q := "UPDATE account_passkeys SET sign_count = 0 WHERE id = ?"
	if db.Dialect() == store.Postgres {
		q = "UPDATE account_passkeys SET sign_count = 0 WHERE id = $1"
	}
	if _, err := db.SQL().Exec(q, id); err != nil {
		t.Fatalf("reset counter: %v", err)
	}
}
