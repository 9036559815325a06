package account_test

import (
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

func TestDevices(t *testing.T) { testdb.Each(t, testDevices) }

func testDevices(t *testing.T, db *store.DB) {
	e := newEnv(t, db, nil)
	a := e.signUp(phone(1))
	other := e.signUp(phone(2))
	ss := e.svc.Sessions
	if err := ss.RenameDevice(e.ctx, a.Session, a.Device.ID, " Kitchen tablet "); err != nil {
		t.Fatalf("RenameDevice = %v", err)
	}
	if d, err := ss.Device(e.ctx, a.Device.ID); err != nil || d.Name != "Kitchen tablet" || d.Blocked() {
		t.Errorf("Device after rename = %+v, %v", d, err)
	}
	for name, n := range map[string]string{"empty": "  ", "control": "a\nb", "long": strings.Repeat("я", 65), "bad utf-8": "\xff"} {
		wantKey(t, "RenameDevice("+name+")", ss.RenameDevice(e.ctx, a.Session, a.Device.ID, n), "account.device.name")
	}
	wantCode(t, "RenameDevice(another's)", ss.RenameDevice(e.ctx, a.Session, other.Device.ID, "x"), digitalid.ENOTFOUND)
	_, err := ss.Device(e.ctx, "d_nobody")
	wantCode(t, "Device(unknown)", err, digitalid.ENOTFOUND)
	noPlaintext(t, e.db, "Kitchen")
}

// TestBlockDevice: a lost device is blocked from another one: its sessions
// end at once, its token signs in no more, the block is audited, put in the
// inbox and texted.
func TestBlockDevice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		p := phone(1)
		lost := e.signUp(p)
		lost2, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: lost.DeviceToken})
		if err != nil {
			t.Fatalf("SignInWithPIN(lost device, 2nd session) = %v", err)
		}
		// The citizen signs in on a new device with SMS code and PIN.
		here, err := e.svc.SignInWithPIN(e.ctx, account.SignInRequest{
			PIN: goodPIN, OTPProof: e.proof(p, account.PurposeSignIn), DeviceName: "New phone"})
		if err != nil {
			t.Fatalf("SignInWithPIN(new device) = %v", err)
		}
		ss := e.svc.Sessions
		c := account.Client{IP: "2001:db8::7", RequestID: "req-block"}
		d, err := ss.BlockDevice(e.ctx, here.Session, lost.Device.ID, c)
		if err != nil || !d.Blocked() || !d.BlockedAt.Equal(e.clock.Now()) || d.ID != lost.Device.ID {
			t.Fatalf("BlockDevice = %+v, %v; want the lost device blocked now", d, err)
		}
		for _, tok := range []string{lost.SessionToken, lost2.SessionToken} {
			_, _, err := ss.Authenticate(e.ctx, tok)
			wantKey(t, "Authenticate(session of the blocked device)", err, "account.session.invalid")
		}
		_, err = e.svc.SignInWithPIN(e.ctx, account.SignInRequest{PIN: goodPIN, DeviceToken: lost.DeviceToken})
		wantKey(t, "SignInWithPIN(blocked device)", err, "account.device.unknown")
		if _, _, err := ss.Authenticate(e.ctx, here.SessionToken); err != nil {
			t.Errorf("Authenticate(the blocking device) = %v, want still signed in", err)
		}
		if got, _ := ss.Device(e.ctx, lost.Device.ID); !got.Blocked() {
			t.Errorf("Device(lost).Blocked() = false")
		}
		_, err = ss.BlockDevice(e.ctx, here.Session, lost.Device.ID, c)
		wantCode(t, "BlockDevice(again)", err, digitalid.ECONFLICT)
		other := e.signUp(phone(2))
		_, err = ss.BlockDevice(e.ctx, here.Session, other.Device.ID, c)
		wantCode(t, "BlockDevice(another citizen's)", err, digitalid.ENOTFOUND)

		ended := 0
		var block audit.Event
		for _, ev := range e.events(lost.Citizen.ID) {
			switch ev.Action {
			case "account.device.blocked":
				block = ev
			case "account.session.ended":
				if ev.Details["reason"] == account.EndDeviceBlocked {
					ended++
				}
			}
		}
		if block.Object != "device:"+lost.Device.ID || block.Actor.ID != lost.Citizen.ID || block.IP != "2001:db8::7" ||
			block.Details["sessions_ended"] != "2" || block.Details["session"] != here.Session.ID {
			t.Errorf("block audit event = %+v", block)
		}
		if ended != 2 {
			t.Errorf("%d session ends audited for the block, want 2", ended)
		}
		if m := e.lastSMS(p); m.Purpose != "notice_device_blocked" || !strings.Contains(m.Body, "blocked") {
			t.Errorf("last SMS = %q (%s), want the device-blocked notice", m.Body, m.Purpose)
		}
		n, _ := e.svc.Notifications.List(e.ctx, lost.Citizen.ID, false, 1)
		if len(n) != 1 || n[0].Kind != account.KindDeviceBlocked || n[0].Params["device"] != lost.Device.ID {
			t.Errorf("inbox = %+v, want device_blocked naming the device", n)
		}
		// Blocking the device in hand signs it out.
		if _, err := ss.BlockDevice(e.ctx, here.Session, here.Device.ID, c); err != nil {
			t.Fatalf("BlockDevice(own) = %v", err)
		}
		_, _, err = ss.Authenticate(e.ctx, here.SessionToken)
		wantKey(t, "Authenticate(after blocking its own device)", err, "account.session.invalid")
		if devs, _ := ss.Devices(e.ctx, lost.Citizen.ID); len(devs) != 2 || !devs[0].Blocked() || !devs[1].Blocked() {
			t.Errorf("Devices = %+v, want both blocked", devs)
		}
		if r, err := e.audit.Verify(e.ctx, nil); err != nil || !r.OK() {
			t.Errorf("audit.Verify = %v, %v", r, err)
		}
	})
}
