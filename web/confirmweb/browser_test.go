package confirmweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/browsertest"
)

func wantPage(t *testing.T, b *browsertest.Browser, sel, want string) {
	t.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.Screenshot("unexpected")
		t.Fatalf("%s = %q, want it to hold %q", sel, got, want)
	}
}

// setValue sets an input's value directly, as a date picker or a select
// would.
func setValue(t *testing.T, b *browsertest.Browser, sel, v string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), b.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), v)); err != nil {
		t.Fatalf("set %s: %v", sel, err)
	}
}

// issuerCall makes a call of the registry "mvd" over HTTP to the running
// server and decodes the JSON answer into out.
func (e *env) issuerCall(t *testing.T, method, path string, body any, out any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	r, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+e.assertion())
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

// TestBrowserConfirmPassport: a citizen at the basic level types in their
// passport in Chromium and sends it to the registry for confirmation; the
// registry (this test, over the issuer API with a client assertion) lists
// the request with the submitted fields and confirms it with its own
// signed document; the citizen's page then shows the passport confirmed
// and the account at the standard level.
func TestBrowserConfirmPassport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		srv := httptest.NewUnstartedServer(nil)
		srv.Start()
		t.Cleanup(srv.Close)
		e := newEnv(t, db, srv.URL)
		srv.Config.Handler = e.srv.Handler()
		b := browsertest.New(t)
		b.SetAcceptLanguage("en")

		// Sign up: the citizen is at the basic level.
		to := e.Phone()
		b.Go(e.base + "/")
		b.ClickNav("#home-signup")
		b.Fill("#phone", to)
		b.ClickNav("#send-code")
		b.Fill("#code", e.SMS.Code(to))
		b.ClickNav("#check-code")
		b.Fill("#pin", presenttest.PIN)
		b.Fill("#pin2", presenttest.PIN)
		if status := b.ClickNav("#finish"); status != 200 {
			t.Fatalf("finish sign-up: status %d", status)
		}
		wantPage(t, b, "h1", "My account")

		// Type in the passport.
		b.Go(e.base + "/documents/new")
		b.Click("#type-passport_ru")
		b.ClickNav("#choose-type")
		wantPage(t, b, "#type-label", "Passport")
		for name, v := range map[string]string{"series": "45 05", "number": "123456", "surname": "Иванова", "given_names": "Анна",
			"patronymic": "Сергеевна", "birth_place": "гор. Москва", "authority": "ОВД района Хамовники гор. Москвы", "division_code": "772-001"} {
			b.Fill("#"+name, v)
		}
		for name, v := range map[string]string{"sex": "F", "birth_date": "1985-03-14", "issue_date": "2005-04-01"} {
			setValue(t, b, "#"+name, v)
		}
		if status := b.ClickNav("#save-document"); status != 200 {
			b.Screenshot("save")
			t.Fatalf("save the passport: status %d", status)
		}
		b.ClickNav("#document-list a.name")
		wantPage(t, b, "#source", "Entered by you")

		// Send it to the registry.
		page := b.Attr("#confirmation-link", "href")
		b.ClickNav("#confirmation-link")
		wantPage(t, b, "#confirm-status", "Not sent")
		if got := b.Attr("#assurance", "data-assurance"); got != "basic" {
			t.Errorf("level before = %q, want basic", got)
		}
		b.ClickNav("#send-confirmation")
		wantPage(t, b, "#msg", "sent to the registry")
		wantPage(t, b, "#confirm-status", "Waiting for the registry")
		b.Screenshot("pending")
		// The cabinet home says the passport is with the registry, and
		// links to the request.
		b.Go(e.base + "/account")
		wantPage(t, b, "#next-step-text", "with the registry")
		if got := b.Attr("#next-step-link", "href"); got != page {
			t.Errorf("home card links to %q, want the request page %q", got, page)
		}

		// The registry lists the request and confirms it.
		var list struct {
			Confirmations []struct {
				ID     string            `json:"id"`
				Type   string            `json:"type"`
				Fields map[string]string `json:"fields"`
			} `json:"confirmations"`
		}
		if status := e.issuerCall(t, "GET", "/api/v1/issuer/confirmations", nil, &list); status != 200 || len(list.Confirmations) != 1 {
			t.Fatalf("registry GET confirmations = %d %+v; want one", status, list)
		}
		got := list.Confirmations[0]
		if got.Type != "passport_ru" || got.Fields["series"] != "4505" || got.Fields["birth_date"] != "1985-03-14" {
			t.Fatalf("listed request = %+v; want the passport as typed in", got)
		}
		doc, _ := json.Marshal(map[string]string{"series": "4505", "number": "123456", "surname": "Иванова", "given_names": "Анна",
			"patronymic": "Сергеевна", "sex": "F", "birth_date": "1985-03-14", "birth_place": "гор. Москва", "issue_date": "2005-04-01",
			"authority": "ОВД района Хамовники гор. Москвы", "division_code": "772-001"})
		var decided struct{ Status string }
		if status := e.issuerCall(t, "POST", "/api/v1/issuer/confirmations/"+got.ID,
			map[string]string{"decision": "confirm", "ref": "PASS-1", "document": e.key.Sign(t, doc)}, &decided); status != 200 || decided.Status != "confirmed" {
			t.Fatalf("registry POST confirm = %d %+v; want confirmed", status, decided)
		}

		// The citizen sees it confirmed and their level standard.
		b.Go(e.base + page)
		wantPage(t, b, "#confirm-status", "Confirmed")
		if got := b.Attr("#assurance", "data-assurance"); got != "standard" {
			t.Errorf("level after = %q, want standard", got)
		}
		wantPage(t, b, "#assurance", "Standard")
		b.Screenshot("confirmed")
		b.ClickNav("#confirmed-document")
		wantPage(t, b, "#source", "Confirmed by the issuer")
	})
}
