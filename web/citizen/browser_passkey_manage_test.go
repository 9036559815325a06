package citizen_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// keyDevice is one of the citizen's devices that hold passkeys (a laptop's
// platform authenticator, a phone). Only the device in hand is attached to
// the browser as a virtual authenticator, so Chromium can never pick the
// wrong one; the other keeps its credentials, private keys and signature
// counters until it is taken again.
type keyDevice struct {
	name  string
	id    webauthn.AuthenticatorID // while in hand
	creds []*webauthn.Credential   // while put away
}

// addCredential is WebAuthn.addCredential without the CMTG fields, which
// cdproto's Credential always sends and Chromium refuses ("CMTG is not
// supported by this authenticator") for a platform authenticator.
var addCredential = cdp.Command[addCredentialParams, cdp.Empty]{Method: webauthn.CommandAddCredential}

type addCredentialParams struct {
	AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
	Credential      credential               `json:"credential"`
}

type credential struct {
	CredentialID         []byte  `json:"credentialId"`
	IsResidentCredential bool    `json:"isResidentCredential"`
	RpID                 string  `json:"rpId"`
	PrivateKey           []byte  `json:"privateKey"`
	UserHandle           []byte  `json:"userHandle,omitempty"`
	SignCount            float64 `json:"signCount"`
	BackupEligibility    bool    `json:"backupEligibility"`
	BackupState          bool    `json:"backupState"`
}

// keyRing switches the browser between the citizen's key devices.
type keyRing struct {
	t      *testing.T
	b      *browsertest.Browser
	inHand *keyDevice
}

func newKeyRing(t *testing.T, b *browsertest.Browser) *keyRing {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	return &keyRing{t: t, b: b}
}

// take puts the device in hand away (keeping its credentials) and attaches
// d, with the credentials it held, as a platform authenticator that keeps
// discoverable credentials and always verifies the user.
func (k *keyRing) take(d *keyDevice) {
	k.t.Helper()
	if k.inHand == d {
		return
	}
	ctx, cancel := context.WithTimeout(k.b.Context(), k.b.Timeout)
	defer cancel()
	if prev := k.inHand; prev != nil {
		res, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: prev.id})
		if err != nil {
			k.t.Fatalf("WebAuthn.getCredentials(%s): %v", prev.name, err)
		}
		prev.creds = res.Credentials
		if _, err := chromedp.Call(ctx, webauthn.RemoveVirtualAuthenticator, webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: prev.id}); err != nil {
			k.t.Fatalf("WebAuthn.removeVirtualAuthenticator(%s): %v", prev.name, err)
		}
		prev.id = ""
		k.inHand = nil
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		k.t.Fatalf("WebAuthn.addVirtualAuthenticator(%s): %v", d.name, err)
	}
	d.id = res.AuthenticatorID
	for _, c := range d.creds {
		params := addCredentialParams{AuthenticatorID: d.id, Credential: credential{CredentialID: c.CredentialID,
			IsResidentCredential: c.IsResidentCredential, RpID: c.RpID, PrivateKey: c.PrivateKey, UserHandle: c.UserHandle,
			SignCount: c.SignCount, BackupEligibility: c.BackupEligibility, BackupState: c.BackupState}}
		if _, err := chromedp.Call(ctx, addCredential, params); err != nil {
			k.t.Fatalf("WebAuthn.addCredential(%s): %v", d.name, err)
		}
	}
	d.creds = nil
	k.inHand = d
}

// held is how many credentials the device in hand holds.
func (k *keyRing) held() int {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(k.b.Context(), k.b.Timeout)
	defer cancel()
	res, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: k.inHand.id})
	if err != nil {
		k.t.Fatalf("WebAuthn.getCredentials(%s): %v", k.inHand.name, err)
	}
	return len(res.Credentials)
}

// addPasskeyInBrowser adds a passkey named name from the security page
// with the device in hand.
func addPasskeyInBrowser(t *testing.T, b *browsertest.Browser, base, name string) {
	t.Helper()
	b.Go(base + "/account/security") // no message yet: the next one is this addition's
	b.Fill("#new-passkey-name", name)
	b.Click("#add-passkey") // passkey.js runs the ceremony, then loads the page again
	b.WaitVisible("#msg")
	wantPage(t, b, "#msg", "The passkey has been added.")
}

// passkeysByName lists the citizen's passkeys on the server, by name.
func passkeysByName(t *testing.T, e *env, citizenID string) map[string]account.Passkey {
	t.Helper()
	list, err := e.svc.Passkeys.List(e.ctx, citizenID)
	if err != nil {
		t.Fatalf("Passkeys.List: %v", err)
	}
	out := make(map[string]account.Passkey, len(list))
	for _, p := range list {
		out[p.Name] = p
	}
	return out
}

// TestBrowserPasskeyManage: a citizen adds passkeys from two devices,
// renames one, removes the other after confirming with a passkey, cannot
// sign in with the removed one but can with the other, and renames this
// browser's device — all through the pages, in Chromium.
func TestBrowserPasskeyManage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := passkeyBrowserEnv(t, db)
		b := browsertest.New(t)
		keys := newKeyRing(t, b)
		laptop, phoneKey := &keyDevice{name: "laptop"}, &keyDevice{name: "phone"}
		to := phone(210)
		signUpInBrowser(t, e, b, base, to)
		c, err := e.svc.Citizens.ByPhone(e.ctx, to)
		if err != nil {
			t.Fatalf("Citizens.ByPhone: %v", err)
		}

		// 1. Two passkeys, each from its own device.
		b.ClickNav("#to-security")
		wantPage(t, b, "#no-passkeys", "no passkeys")
		keys.take(laptop)
		addPasskeyInBrowser(t, b, base, "Laptop passkey")
		keys.take(phoneKey)
		addPasskeyInBrowser(t, b, base, "Phone passkey")
		if n := keys.held(); n != 1 {
			t.Fatalf("the phone holds %d credentials, want 1", n)
		}
		list := b.Text("#passkeys")
		for _, name := range []string{"Laptop passkey", "Phone passkey"} {
			if !strings.Contains(list, name) {
				t.Fatalf("#passkeys = %q, want it to hold %q", list, name)
			}
		}
		got := passkeysByName(t, e, c.ID)
		lap, ph := got["Laptop passkey"], got["Phone passkey"]
		if len(got) != 2 || lap.ID == "" || ph.ID == "" {
			t.Fatalf("server passkeys = %+v, want Laptop passkey and Phone passkey", got)
		}
		b.Screenshot("two-passkeys")

		// 2. Renaming is not a change to how the citizen signs in: it
		// needs no fresh PIN or passkey check, even 6 minutes later.
		e.clock.Advance(6 * time.Minute)
		b.Fill("#passkey-name-"+ph.ID, "My phone")
		if status := b.ClickNav("#rename-passkey-" + ph.ID); status != 200 {
			t.Fatalf("rename passkey: status %d", status)
		}
		wantPage(t, b, "#msg", "The passkey has been renamed.")
		wantPage(t, b, "#passkey-"+ph.ID+" .name", "My phone")
		if got := passkeysByName(t, e, c.ID); got["My phone"].ID != ph.ID || len(got) != 2 {
			t.Fatalf("server passkeys after rename = %+v, want %s named My phone", got, ph.ID)
		}

		// 3. Removing is: the last check is 6 minutes old, so the page asks
		// for the PIN or a passkey first; the citizen confirms with the
		// phone's passkey, comes back and removes the laptop's.
		if status := b.ClickNav("#remove-passkey-" + lap.ID); status != 200 {
			t.Fatalf("remove passkey: status %d", status)
		}
		wantPage(t, b, "h1", "Confirm it is you")
		if got := passkeysByName(t, e, c.ID); len(got) != 2 {
			t.Fatalf("a passkey was removed before the confirmation: %+v", got)
		}
		b.Screenshot("confirm-remove")
		b.Click("#confirm-passkey")
		b.WaitVisible("#passkeys")
		b.ClickNav("#remove-passkey-" + lap.ID)
		wantPage(t, b, "#msg", "The passkey has been removed.")
		list = b.Text("#passkeys")
		if !strings.Contains(list, "My phone") || strings.Contains(list, "Laptop passkey") {
			t.Fatalf("#passkeys = %q, want only My phone", list)
		}
		got = passkeysByName(t, e, c.ID)
		if len(got) != 1 || got["My phone"].ID != ph.ID {
			t.Fatalf("server passkeys after removal = %+v, want only %s", got, ph.ID)
		}

		// The laptop still holds the removed passkey, but it signs nobody in.
		b.Go(base + "/account")
		b.ClickNav("#signout")
		keys.take(laptop)
		b.Allow(`status of 401 .*/api/v1/auth/passkey/finish`)
		b.Go(base + "/signin")
		b.Click("#passkey-signin")
		b.WaitVisible("#passkey-error")
		wantPage(t, b, "#passkey-error", "This passkey is not registered with any account")
		b.Screenshot("removed-passkey-refused")
		b.Go(base + "/account")
		if b.Text("h1") == "My account" {
			t.Fatal("the removed passkey signed the citizen in")
		}

		// The phone's still does.
		keys.take(phoneKey)
		passkeySignIn(t, b, base)
		if got := passkeysByName(t, e, c.ID)["My phone"]; got.LastUsedAt.IsZero() {
			t.Errorf("My phone was not marked as used: %+v", got)
		}

		// 4. This browser's device gets a better name.
		devices, err := e.svc.Sessions.Devices(e.ctx, c.ID)
		if err != nil || len(devices) != 1 {
			t.Fatalf("Sessions.Devices = %+v, %v; want one device", devices, err)
		}
		dev := devices[0]
		b.ClickNav("#to-security")
		wantPage(t, b, "#device-"+dev.ID+" .name", "Chrome, Linux")
		if badge := b.Text("#device-" + dev.ID + " .badge.current"); !strings.EqualFold(badge, "this device") {
			t.Fatalf("device %s badge = %q, want this device", dev.ID, badge)
		}
		b.Fill("#name-"+dev.ID, "Work laptop")
		if status := b.ClickNav("#rename-" + dev.ID); status != 200 {
			t.Fatalf("rename device: status %d", status)
		}
		wantPage(t, b, "#msg", "The device has been renamed.")
		wantPage(t, b, "#device-"+dev.ID+" .name", "Work laptop")
		if devices, err = e.svc.Sessions.Devices(e.ctx, c.ID); err != nil || len(devices) != 1 || devices[0].Name != "Work laptop" {
			t.Fatalf("Sessions.Devices after rename = %+v, %v; want Work laptop", devices, err)
		}
		b.Screenshot("device-renamed")
	})
}
