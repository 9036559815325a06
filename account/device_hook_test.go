package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// TestOnDeviceBlocked: the hooks hear of a committed block once, with the
// citizen and the device, and not of a refused one (another's device, a
// second block).
func TestOnDeviceBlocked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		type call struct{ citizen, device string }
		var calls []call
		e.svc.Sessions.OnDeviceBlocked(func(_ context.Context, citizenID, deviceID string) {
			calls = append(calls, call{citizenID, deviceID})
		})
		p := phone(1)
		lost := e.signUp(p)
		here, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{
			PIN: goodPIN, OTPProof: e.proof(p, account.PurposeSignIn), DeviceName: "New phone"})
		if err != nil {
			t.Fatalf("SignInWithPIN(new device) = %v", err)
		}
		stranger := e.signUp(phone(2))
		c := account.Client{IP: "192.0.2.1"}
		if _, err := e.svc.Sessions.BlockDevice(e.ctx, stranger.Session, lost.Device.ID, c); err == nil {
			t.Fatal("BlockDevice(another citizen's device) succeeded")
		}
		if _, err := e.svc.Sessions.BlockDevice(e.ctx, here.Session, lost.Device.ID, c); err != nil {
			t.Fatalf("BlockDevice = %v", err)
		}
		if _, err := e.svc.Sessions.BlockDevice(e.ctx, here.Session, lost.Device.ID, c); err == nil {
			t.Fatal("BlockDevice(blocked again) succeeded")
		}
		want := []call{{here.Session.CitizenID, lost.Device.ID}}
		if len(calls) != 1 || calls[0] != want[0] {
			t.Errorf("hook calls = %+v, want %+v", calls, want)
		}
	})
}

// TestOnAccountDeleted: the hooks hear of a committed deletion once, with
// the citizen, and not of a refused one (a stale re-authentication, a
// second deletion); the deletion is in the citizen's inbox.
func TestOnAccountDeleted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		var calls []string
		e.svc.OnAccountDeleted(func(_ context.Context, citizenID string) { calls = append(calls, citizenID) })
		res := e.signUp(phone(1))
		e.clock.Advance(account.ReauthMaxAge + time.Minute)
		if err := e.svc.DeleteAccount(e.ctx, res.Session, account.Client{}); err == nil {
			t.Fatal("DeleteAccount(stale re-authentication) succeeded")
		}
		s, err := e.svc.ReauthenticateWithPIN(e.ctx, res.Session, goodPIN, account.Client{})
		if err != nil {
			t.Fatalf("ReauthenticateWithPIN = %v", err)
		}
		if err := e.svc.DeleteAccount(e.ctx, s, account.Client{}); err != nil {
			t.Fatalf("DeleteAccount = %v", err)
		}
		if err := e.svc.DeleteAccount(e.ctx, s, account.Client{}); err == nil {
			t.Fatal("DeleteAccount(twice) succeeded")
		}
		if len(calls) != 1 || calls[0] != res.Citizen.ID {
			t.Errorf("hook calls = %v, want [%s]", calls, res.Citizen.ID)
		}
		notes, err := e.svc.Notifications.List(e.ctx, res.Citizen.ID, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range notes {
			found = found || (n.Kind == account.KindAccountDeleted && n.Params["days"] == "30")
		}
		if !found {
			t.Errorf("inbox = %+v; want the deletion with its 30 days", notes)
		}
	})
}
