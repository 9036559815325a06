package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/store"
)

func deviceRecord(citizenID, id string) account.DeviceRecord {
	return account.DeviceRecord{
		ID: id, CitizenID: citizenID, TokenHash: []byte("token-" + id), NameSealed: []byte("name-" + id),
		CreatedAt: accountT0, LastSeenAt: accountT0,
	}
}

func sessionFor(d account.DeviceRecord, id string, at time.Time) account.Session {
	return account.Session{
		ID: id, CitizenID: d.CitizenID, DeviceID: d.ID, CreatedAt: at, ExpiresAt: at.Add(12 * time.Hour),
		LastSeenAt: at, ReauthAt: at,
	}
}

func accountDevices(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "devices")
	other := mustCitizen(t, db, "devices-other")
	d1, d2 := deviceRecord(c.ID, "d_one"), deviceRecord(c.ID, "d_two")
	d2.CreatedAt = accountT0.Add(time.Second)
	for _, d := range []account.DeviceRecord{d1, d2} {
		if err := db.CreateDevice(ctx, d); err != nil {
			t.Fatalf("CreateDevice(%s) = %v", d.ID, err)
		}
	}
	wantErrCode(t, "CreateDevice(same token)", db.CreateDevice(ctx, func() account.DeviceRecord {
		d := deviceRecord(c.ID, "d_three")
		d.TokenHash = d1.TokenHash
		return d
	}()), digitalid.ECONFLICT)
	wantErrCode(t, "CreateDevice(unknown citizen)", db.CreateDevice(ctx, deviceRecord("c_nobody", "d_four")), digitalid.ENOTFOUND)

	got, err := db.DeviceByTokenHash(ctx, d1.TokenHash)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(d1) {
		t.Errorf("DeviceByTokenHash = %+v, %v; want %+v", got, err, d1)
	}
	_, err = db.DeviceByID(ctx, "d_nobody")
	wantErrCode(t, "DeviceByID(unknown)", err, digitalid.ENOTFOUND)
	list, err := db.ListDevices(ctx, c.ID)
	if err != nil || len(list) != 2 || list[0].ID != "d_one" || list[1].ID != "d_two" {
		t.Errorf("ListDevices = %+v, %v; want d_one, d_two", list, err)
	}
	if err := db.RenameDevice(ctx, c.ID, d1.ID, []byte("renamed")); err != nil {
		t.Fatalf("RenameDevice = %v", err)
	}
	if got, _ := db.DeviceByID(ctx, d1.ID); string(got.NameSealed) != "renamed" {
		t.Errorf("device name after rename = %q", got.NameSealed)
	}
	wantErrCode(t, "RenameDevice(another's device)", db.RenameDevice(ctx, other.ID, d1.ID, []byte("x")), digitalid.ENOTFOUND)

	// Blocking ends the open sessions of that device only.
	open1, open2 := sessionFor(d1, "s_b1", accountT0), sessionFor(d1, "s_b2", accountT0)
	expired := sessionFor(d1, "s_bexp", accountT0.Add(-13*time.Hour))
	onD2 := sessionFor(d2, "s_bd2", accountT0)
	for _, s := range []account.Session{open1, open2, expired, onD2} {
		if err := db.CreateSession(ctx, s, []byte("hash-"+s.ID)); err != nil {
			t.Fatalf("CreateSession(%s) = %v", s.ID, err)
		}
	}
	at := accountT0.Add(time.Minute)
	wantErrCode(t, "BlockDevice(another's device)", func() error { _, err := db.BlockDevice(ctx, other.ID, d1.ID, at); return err }(), digitalid.ENOTFOUND)
	ended, err := db.BlockDevice(ctx, c.ID, d1.ID, at)
	if err != nil || len(ended) != 2 {
		t.Fatalf("BlockDevice = %v, %v; want the 2 open sessions ended", ended, err)
	}
	v, err := db.SessionByTokenHash(ctx, []byte("hash-s_b1"))
	if err != nil || !v.Session.EndedAt.Equal(at) || v.Session.EndReason != account.EndDeviceBlocked || !v.DeviceBlockedAt.Equal(at) {
		t.Errorf("session after BlockDevice = %+v, %v; want ended at %v (device_blocked) on a blocked device", v, err, at)
	}
	if v, _ := db.SessionByTokenHash(ctx, []byte("hash-s_bd2")); !v.Session.EndedAt.IsZero() {
		t.Errorf("a session on another device was ended by BlockDevice")
	}
	_, err = db.BlockDevice(ctx, c.ID, d1.ID, at)
	wantErrCode(t, "BlockDevice(again)", err, digitalid.ECONFLICT)
	_, err = db.BlockDevice(ctx, c.ID, "d_nobody", at)
	wantErrCode(t, "BlockDevice(unknown)", err, digitalid.ENOTFOUND)
}

func accountSessions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "sessions")
	d := deviceRecord(c.ID, "d_sessions")
	if err := db.CreateDevice(ctx, d); err != nil {
		t.Fatalf("CreateDevice = %v", err)
	}
	s1 := sessionFor(d, "s_one", accountT0.Add(time.Minute))
	s2 := sessionFor(d, "s_two", accountT0.Add(2*time.Minute))
	for _, s := range []account.Session{s1, s2} {
		if err := db.CreateSession(ctx, s, []byte("hash-"+s.ID)); err != nil {
			t.Fatalf("CreateSession(%s) = %v", s.ID, err)
		}
	}
	if got, _ := db.DeviceByID(ctx, d.ID); !got.LastSeenAt.Equal(s2.CreatedAt) {
		t.Errorf("device last seen after CreateSession = %v, want %v", got.LastSeenAt, s2.CreatedAt)
	}
	wantErrCode(t, "CreateSession(same hash)", db.CreateSession(ctx, sessionFor(d, "s_dup", accountT0), []byte("hash-s_one")), digitalid.ECONFLICT)
	v, err := db.SessionByTokenHash(ctx, []byte("hash-s_one"))
	if err != nil || v.Session != s1 || !equalCitizen(v.Citizen, c) || !v.DeviceBlockedAt.IsZero() {
		t.Fatalf("SessionByTokenHash = %+v, %v; want %+v with its citizen", v, err, s1)
	}
	_, err = db.SessionByTokenHash(ctx, []byte("nothing"))
	wantErrCode(t, "SessionByTokenHash(unknown)", err, digitalid.ENOTFOUND)

	touch := accountT0.Add(5 * time.Minute)
	if err := db.TouchSession(ctx, s1.ID, d.ID, touch); err != nil {
		t.Fatalf("TouchSession = %v", err)
	}
	if err := db.SetSessionReauth(ctx, s1.ID, touch); err != nil {
		t.Fatalf("SetSessionReauth = %v", err)
	}
	v, _ = db.SessionByTokenHash(ctx, []byte("hash-s_one"))
	if !v.Session.LastSeenAt.Equal(touch) || !v.Session.ReauthAt.Equal(touch) {
		t.Errorf("session after touch and reauth = %+v, want both at %v", v.Session, touch)
	}
	if got, _ := db.DeviceByID(ctx, d.ID); !got.LastSeenAt.Equal(touch) {
		t.Errorf("device last seen after TouchSession = %v, want %v", got.LastSeenAt, touch)
	}

	for _, tc := range []struct {
		name           string
		now, idleSince time.Time
		want           string
	}{
		{"both open, newest first", touch, accountT0, "[s_two s_one]"},
		{"idle cut", touch, accountT0.Add(3 * time.Minute), "[s_one]"},
		{"lifetime over", accountT0.Add(12*time.Hour + 90*time.Second), accountT0, "[s_two]"},
	} {
		list, err := db.ListSessions(ctx, c.ID, tc.now, tc.idleSince)
		if got := fmt.Sprint(sessionIDs(list)); err != nil || got != tc.want {
			t.Errorf("ListSessions(%s) = %s, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	wantErrCode(t, "EndSession(another citizen's)", db.EndSession(ctx, "c_other", s1.ID, touch, account.EndByCitizen), digitalid.ENOTFOUND)
	if err := db.EndSession(ctx, c.ID, s1.ID, touch, account.EndSignOut); err != nil {
		t.Fatalf("EndSession = %v", err)
	}
	wantErrCode(t, "EndSession(again)", db.EndSession(ctx, c.ID, s1.ID, touch, account.EndSignOut), digitalid.ENOTFOUND)
	wantErrCode(t, "SetSessionReauth(ended)", db.SetSessionReauth(ctx, s1.ID, touch), digitalid.ENOTFOUND)
	if list, _ := db.ListSessions(ctx, c.ID, touch, accountT0); fmt.Sprint(sessionIDs(list)) != "[s_two]" {
		t.Errorf("ListSessions after EndSession = %v, want [s_two]", sessionIDs(list))
	}
	if v, _ := db.SessionByTokenHash(ctx, []byte("hash-s_one")); v.Session.EndReason != account.EndSignOut || !v.Session.EndedAt.Equal(touch) {
		t.Errorf("ended session = %+v, want ended at %v by signout", v.Session, touch)
	}
}

func accountRateLimits(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w1, w2 := accountT0.Truncate(time.Minute), accountT0.Truncate(time.Minute).Add(time.Minute)
	for i := 1; i <= 3; i++ {
		if n, err := db.HitRateLimit(ctx, "auth", []byte("ip-a"), w1, w2); err != nil || n != i {
			t.Fatalf("HitRateLimit #%d = %d, %v; want %d", i, n, err, i)
		}
	}
	for name, call := range map[string]func() (int, error){
		"other key":    func() (int, error) { return db.HitRateLimit(ctx, "auth", []byte("ip-b"), w1, w2) },
		"other bucket": func() (int, error) { return db.HitRateLimit(ctx, "other", []byte("ip-a"), w1, w2) },
		"next window":  func() (int, error) { return db.HitRateLimit(ctx, "auth", []byte("ip-a"), w2, w2.Add(time.Minute)) },
	} {
		if n, err := call(); err != nil || n != 1 {
			t.Errorf("HitRateLimit(%s) = %d, %v; want 1", name, n, err)
		}
	}
	const n = 60
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := db.HitRateLimit(ctx, "race", []byte("ip"), w1, w2); err != nil {
				t.Errorf("concurrent HitRateLimit = %v", err)
			}
		})
	}
	wg.Wait()
	if got, _ := db.HitRateLimit(ctx, "race", []byte("ip"), w1, w2); got != n+1 {
		t.Errorf("after %d concurrent hits the next is #%d, want #%d", n, got, n+1)
	}
}

func accountNotifications(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "inbox")
	add := func(id string, at time.Time, params map[string]string) account.Notification {
		n := account.Notification{ID: id, CitizenID: c.ID, Kind: account.KindNewDevice, Params: params, CreatedAt: at}
		if err := db.AddNotification(ctx, n); err != nil {
			t.Fatalf("AddNotification(%s) = %v", id, err)
		}
		return n
	}
	first := add("n_1", accountT0, map[string]string{"device": "d_1"})
	add("n_2", accountT0, nil) // same time: seq orders
	add("n_3", accountT0.Add(time.Second), map[string]string{})
	wantErrCode(t, "AddNotification(same id)", db.AddNotification(ctx, first), digitalid.ECONFLICT)
	wantErrCode(t, "AddNotification(unknown citizen)", db.AddNotification(ctx, account.Notification{
		ID: "n_x", CitizenID: "c_nobody", Kind: "k", CreatedAt: accountT0}), digitalid.ENOTFOUND)

	list, err := db.ListNotifications(ctx, c.ID, false, 10)
	if err != nil || fmt.Sprint(notificationIDs(list)) != "[n_3 n_2 n_1]" {
		t.Fatalf("ListNotifications = %v, %v; want [n_3 n_2 n_1]", notificationIDs(list), err)
	}
	if got := list[2]; got.Params["device"] != "d_1" || got.Kind != account.KindNewDevice || !got.CreatedAt.Equal(accountT0) || !got.ReadAt.IsZero() {
		t.Errorf("ListNotifications n_1 = %+v, want %+v", got, first)
	}
	if list[1].Params == nil || len(list[1].Params) != 0 {
		t.Errorf("notification stored with nil params reads back as %#v, want an empty map", list[1].Params)
	}
	if err := db.MarkNotificationRead(ctx, c.ID, "n_2", accountT0.Add(time.Hour)); err != nil {
		t.Fatalf("MarkNotificationRead = %v", err)
	}
	if err := db.MarkNotificationRead(ctx, c.ID, "n_2", accountT0.Add(2*time.Hour)); err != nil {
		t.Fatalf("MarkNotificationRead(again) = %v", err)
	}
	wantErrCode(t, "MarkNotificationRead(another's)", db.MarkNotificationRead(ctx, "c_other", "n_1", accountT0), digitalid.ENOTFOUND)
	unread, err := db.ListNotifications(ctx, c.ID, true, 10)
	if err != nil || fmt.Sprint(notificationIDs(unread)) != "[n_3 n_1]" {
		t.Errorf("ListNotifications(unread) = %v, %v; want [n_3 n_1]", notificationIDs(unread), err)
	}
	all, _ := db.ListNotifications(ctx, c.ID, false, 2)
	if fmt.Sprint(notificationIDs(all)) != "[n_3 n_2]" || !all[1].ReadAt.Equal(accountT0.Add(time.Hour)) {
		t.Errorf("ListNotifications(limit 2) = %+v; want n_3, n_2 read at the first MarkNotificationRead", all)
	}
	if n, err := db.CountUnreadNotifications(ctx, c.ID); err != nil || n != 2 {
		t.Errorf("CountUnreadNotifications = %d, %v; want 2", n, err)
	}
}

// ids lists the ids of list, to compare with a want list.
func ids[T any](list []T, id func(T) string) []string {
	var out []string
	for _, v := range list {
		out = append(out, id(v))
	}
	return out
}

func sessionIDs(list []account.Session) []string {
	return ids(list, func(s account.Session) string { return s.ID })
}

func notificationIDs(list []account.Notification) []string {
	return ids(list, func(n account.Notification) string { return n.ID })
}
