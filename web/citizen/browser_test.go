package citizen_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

// browserEnv serves the citizen pages on 127.0.0.1 for Chromium.
func browserEnv(t *testing.T, db *store.DB) (*env, string) { return browserEnvWith(t, db, options{}) }

// browserEnvWith is browserEnv with options; the public URL is the server's.
func browserEnvWith(t *testing.T, db *store.DB, o options) (*env, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	o.publicURL = srv.URL
	e := newEnv(t, db, o)
	srv.Config.Handler = e.srv.Handler()
	return e, srv.URL
}

// wantPage fails unless the browser shows the element sel whose text holds
// want.
func wantPage(t *testing.T, b *browsertest.Browser, sel, want string) {
	t.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.Screenshot("unexpected")
		t.Fatalf("%s = %q, want it to hold %q", sel, got, want)
	}
}

// signUpInBrowser goes from the home page through the sign-up pages.
func signUpInBrowser(t *testing.T, e *env, b *browsertest.Browser, base, to string) {
	t.Helper()
	b.Go(base + "/")
	b.ClickNav("#home-signup")
	b.Fill("#phone", to)
	if status := b.ClickNav("#send-code"); status != 200 {
		t.Fatalf("send code: status %d", status)
	}
	wantPage(t, b, "#code-sent", to)
	b.Screenshot("code-step")
	b.Fill("#code", e.code(to))
	if status := b.ClickNav("#check-code"); status != 200 {
		t.Fatalf("check code: status %d", status)
	}
	if got := b.Attr("#device_name", "value"); got != "Chrome, Linux" {
		t.Errorf("suggested device name = %q, want Chrome, Linux", got)
	}
	b.Fill("#pin", goodPIN)
	b.Fill("#pin2", goodPIN)
	if status := b.ClickNav("#finish"); status != 200 {
		t.Fatalf("finish sign-up: status %d", status)
	}
	wantPage(t, b, "h1", "My account")
}

// signInWithCode signs in on a new device from the sign-in page's phone
// step: code from the outbox, PIN, device name.
func signInWithCode(t *testing.T, e *env, b *browsertest.Browser, to, device string) {
	t.Helper()
	b.Fill("#phone", to)
	b.ClickNav("#send-code")
	b.Fill("#code", e.code(to))
	b.ClickNav("#check-code")
	b.Fill("#pin", goodPIN)
	b.Fill("#device_name", device)
	if status := b.ClickNav("#finish"); status != 200 {
		t.Fatalf("sign in with a code: status %d", status)
	}
}

// signInKnownDevice signs in on the browser's known device with the PIN.
func signInKnownDevice(t *testing.T, b *browsertest.Browser, to, pin string) int {
	t.Helper()
	b.Fill("#phone", to)
	b.Fill("#pin", pin)
	return b.ClickNav("#finish")
}

func TestBrowserSignUp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		b := browsertest.New(t)
		to := phone(100)
		signUpInBrowser(t, e, b, base, to)
		wantPage(t, b, "#msg", "Welcome!")
		if got := b.Attr("#assurance", "data-level"); got != "basic" {
			t.Errorf("assurance = %q, want basic", got)
		}
		wantPage(t, b, "#phone", "+7 *** *** 01 00")
		session, device := false, false
		for _, c := range b.Cookies() {
			switch c.Name {
			case "digitalid_session":
				session = c.HTTPOnly && strings.HasPrefix(c.Value, "dis_")
			case "digitalid_device":
				device = c.HTTPOnly && strings.HasPrefix(c.Value, "did_")
			case "digitalid_proof":
				t.Errorf("the proof cookie outlived sign-up")
			}
		}
		if !session || !device {
			t.Errorf("cookies after sign-up: session %v, device %v; want both, HttpOnly", session, device)
		}
		b.Screenshot("cabinet")
	})
}

func TestBrowserSignInNewDevice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		to := phone(101)
		e.signUp(to)
		b := browsertest.New(t)
		b.Go(base + "/account/security")
		wantPage(t, b, "h1", "Sign in") // no session: sent to sign in, no device cookie: the code flow
		signInWithCode(t, e, b, to, "Work laptop")
		wantPage(t, b, "h1", "Security")
		wantPage(t, b, "#devices", "Work laptop")
		wantPage(t, b, "#devices", "First phone")
	})
}

func TestBrowserSignInKnownDevice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		b := browsertest.New(t)
		to := phone(102)
		signUpInBrowser(t, e, b, base, to)
		b.ClickNav("#signout")
		wantPage(t, b, "#msg", "You have signed out.")
		wantPage(t, b, ".lead", "This device is known")
		b.Allow(`status of 401`)
		if status := signInKnownDevice(t, b, to, "4826"); status != 401 {
			t.Fatalf("wrong PIN: status %d, want 401", status)
		}
		wantPage(t, b, "#form-error", "The PIN is wrong. Attempts left: 4.")
		if status := signInKnownDevice(t, b, to, goodPIN); status != 200 {
			t.Fatalf("right PIN: status %d", status)
		}
		wantPage(t, b, "h1", "My account")
	})
}

func TestBrowserChangePIN(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		b := browsertest.New(t)
		to := phone(103)
		signUpInBrowser(t, e, b, base, to)
		e.clock.Advance(6 * time.Minute) // the sign-in is too old for a sensitive action
		b.ClickNav("#to-security")
		b.ClickNav("#to-change-pin")
		wantPage(t, b, "h1", "Confirm it is you")
		b.Fill("#pin", goodPIN)
		b.ClickNav("#confirm-pin")
		wantPage(t, b, "h1", "Change PIN")
		b.Fill("#pin", "4826")
		b.Fill("#pin2", "4826")
		if status := b.ClickNav("#save-pin"); status != 200 {
			t.Fatalf("save PIN: status %d", status)
		}
		wantPage(t, b, "#msg", "Your PIN has been changed.")
		b.Go(base + "/account")
		b.ClickNav("#signout")
		if status := signInKnownDevice(t, b, to, "4826"); status != 200 {
			t.Fatalf("sign in with the new PIN: status %d", status)
		}
		wantPage(t, b, "h1", "My account")
	})
}

func TestBrowserSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		b := browsertest.New(t)
		to := phone(104)
		signUpInBrowser(t, e, b, base, to)
		other := e.signInNewDevice(to, goodPIN)
		b.ClickNav("#to-security")
		wantPage(t, b, "#session-"+other.Session.ID, "Laptop")
		wantPage(t, b, "#sessions .current", "this session")
		b.ClickNav("#end-" + other.Session.ID)
		wantPage(t, b, "#msg", "The session has been ended.")
		if got := b.Text("#sessions"); strings.Contains(got, "Laptop") {
			t.Errorf("sessions after ending the laptop's = %q", got)
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: other.SessionToken}, 401, "unauthorized")
	})
}

// TestBrowserBlockLostDevice: a citizen who lost the phone they signed up
// on signs in on a laptop and blocks the phone; the phone's browser is
// bounced to sign-in and its device is no longer known.
func TestBrowserBlockLostDevice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		to := phone(105)
		lost := browsertest.New(t)
		signUpInBrowser(t, e, lost, base, to)

		laptop := browsertest.New(t)
		laptop.Go(base + "/signin")
		signInWithCode(t, e, laptop, to, "Laptop")
		laptop.ClickNav("#to-security")
		c, err := e.svc.Citizens.ByPhone(e.ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		devices, err := e.svc.Sessions.Devices(e.ctx, c.ID)
		if err != nil || len(devices) != 2 {
			t.Fatalf("Devices = %v, %v", devices, err)
		}
		phoneID := devices[0].ID
		if devices[0].Name == "Laptop" { // both were added at the same instant of the test clock
			phoneID = devices[1].ID
		}
		laptop.ClickNav("#block-" + phoneID)
		wantPage(t, laptop, "#block", "Chrome, Linux")
		laptop.ClickNav("#block-confirm")
		wantPage(t, laptop, "#msg", "The device has been blocked")
		wantPage(t, laptop, "#device-"+phoneID+" .status-blocked", "Blocked")
		laptop.Screenshot("security-after-block")

		lost.Go(base + "/account")
		wantPage(t, lost, "h1", "Sign in")
		wantPage(t, lost, "#msg", "Your session has ended.")
		lost.Allow(`status of 401`)
		if status := signInKnownDevice(t, lost, to, goodPIN); status != 401 {
			t.Fatalf("sign-in on the blocked device: status %d, want 401", status)
		}
		wantPage(t, lost, "#form-error", "This device is not recognised")
		if _, ok := lost.Cookie("digitalid_device"); ok {
			t.Error("the blocked device's cookie was kept")
		}
		wantPage(t, lost, "#send-code", "Send code")
	})
}

func TestBrowserLanguageAndIdleTimeout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, base := browserEnv(t, db)
		b := browsertest.New(t)
		b.Go(base + "/signup")
		b.ClickNav("#lang-kk")
		wantPage(t, b, "h1", "Тіркелгі ашу")
		b.Allow(`status of 400`)
		b.Fill("#phone", "12")
		b.ClickNav("#send-code")
		wantPage(t, b, "#phone-error", "Телефон нөмірі дұрыс емес")
		b.ClickNav("#lang-en")
		wantPage(t, b, "h1", "Create an account")

		to := phone(106)
		signUpInBrowser(t, e, b, base, to)
		b.ClickNav("#to-security")
		b.ClickNav("#lang-ru")
		wantPage(t, b, "h1", "Безопасность")
		wantPage(t, b, "#devices", "это устройство")

		e.clock.Advance(16 * time.Minute)
		b.Go(base + "/account/notifications")
		wantPage(t, b, "h1", "Вход")
		wantPage(t, b, "#msg", "Сеанс завершён.")
		signInKnownDevice(t, b, to, goodPIN)
		wantPage(t, b, "h1", "Уведомления")
	})
}
