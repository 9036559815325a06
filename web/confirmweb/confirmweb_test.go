package confirmweb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/store"
)

// signedPassport is mvd's JWS of the fixture passport.
func (e *env) signedPassport() string {
	return e.key.Sign(e.t, issuertest.Fixture(e.t, "passport_ru"))
}

func TestSendStatusCancel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		c := e.Citizen(t)
		doc := e.passport(c.Citizen.ID)
		path := "/api/v1/documents/" + doc + "/confirmation"

		rec := e.do(req{method: "GET", path: path, bearer: c.SessionToken})
		if code := problem(t, "GET before sending", rec, http.StatusNotFound); code != digitalid.ENOTFOUND {
			t.Errorf("GET before sending code = %q", code)
		}
		rec = e.do(req{method: "POST", path: path, bearer: c.SessionToken})
		if rec.Code != http.StatusCreated {
			t.Fatalf("POST = %d %s; want 201", rec.Code, rec.Body)
		}
		sent := jsonOf(t, rec)
		if sent["status"] != "pending" || sent["type"] != "passport_ru" || sent["document_id"] != doc {
			t.Errorf("POST = %v; want pending passport_ru of %s", sent, doc)
		}
		problem(t, "POST twice", e.do(req{method: "POST", path: path, bearer: c.SessionToken}), http.StatusConflict)
		if rec := e.do(req{method: "GET", path: path, bearer: c.SessionToken}); rec.Code != http.StatusOK || jsonOf(t, rec)["id"] != sent["id"] {
			t.Errorf("GET = %d %s; want the request", rec.Code, rec.Body)
		}
		if rec := e.do(req{method: "DELETE", path: path, bearer: c.SessionToken}); rec.Code != http.StatusOK || jsonOf(t, rec)["status"] != "cancelled" {
			t.Errorf("DELETE = %d %s; want cancelled", rec.Code, rec.Body)
		}
		problem(t, "DELETE twice", e.do(req{method: "DELETE", path: path, bearer: c.SessionToken}), http.StatusConflict)

		// Sent again, the registry confirms it over the issuer API.
		if rec := e.do(req{method: "POST", path: path, bearer: c.SessionToken}); rec.Code != http.StatusCreated {
			t.Fatalf("POST again = %d %s", rec.Code, rec.Body)
		}
		rec = e.do(req{method: "GET", path: "/api/v1/issuer/confirmations", issuer: true})
		var list struct {
			Confirmations []struct {
				ID     string         `json:"id"`
				Fields map[string]any `json:"fields"`
			} `json:"confirmations"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Confirmations) != 1 {
			t.Fatalf("issuer GET confirmations = %d %s", rec.Code, rec.Body)
		}
		rec = e.do(req{method: "POST", path: "/api/v1/issuer/confirmations/" + list.Confirmations[0].ID, issuer: true,
			body: map[string]any{"decision": "confirm", "ref": "P-1", "document": e.signedPassport()}})
		if rec.Code != http.StatusOK {
			t.Fatalf("issuer POST confirm = %d %s", rec.Code, rec.Body)
		}
		got := jsonOf(t, e.do(req{method: "GET", path: path, bearer: c.SessionToken}))
		if got["status"] != "confirmed" || got["issuer"] != "mvd" || got["confirmed_document_id"] == nil {
			t.Errorf("GET after the confirmation = %v; want confirmed by mvd", got)
		}
		if cz, _ := e.Accounts.Citizens.Get(context.Background(), c.Citizen.ID); cz.Assurance != account.AssuranceStandard {
			t.Errorf("assurance = %s, want standard", cz.Assurance)
		}
		notes, _ := e.Accounts.Notifications.List(context.Background(), c.Citizen.ID, false, 0)
		if len(notes) == 0 || notes[0].Kind != account.KindConfirmationConfirmed {
			t.Errorf("inbox = %+v; want confirmation_confirmed first", notes)
		}
		// The inbox names it in words.
		rec = e.do(req{method: "GET", path: "/api/v1/notifications", bearer: c.SessionToken})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "A registry confirmed your passport.") {
			t.Errorf("notifications = %s; want the confirmation in words", rec.Body)
		}
	})
}

func TestSendRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		c, other := e.Citizen(t), e.Citizen(t)
		doc := e.passport(c.Citizen.ID)
		snils, err := e.Vault.AddSelfDeclared(context.Background(), c.Citizen.ID, "snils", issuertest.Fixture(t, "snils"), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			r      req
			status int
		}{
			{"no session", req{method: "POST", path: "/api/v1/documents/" + doc + "/confirmation"}, http.StatusUnauthorized},
			{"another citizen's document", req{method: "POST", path: "/api/v1/documents/" + doc + "/confirmation", bearer: other.SessionToken}, http.StatusNotFound},
			{"another citizen's status", req{method: "GET", path: "/api/v1/documents/" + doc + "/confirmation", bearer: other.SessionToken}, http.StatusNotFound},
			{"unknown document", req{method: "POST", path: "/api/v1/documents/nope/confirmation", bearer: c.SessionToken}, http.StatusNotFound},
			{"a SNILS", req{method: "POST", path: "/api/v1/documents/" + snils.ID + "/confirmation", bearer: c.SessionToken}, http.StatusBadRequest},
			{"cancel without a request", req{method: "DELETE", path: "/api/v1/documents/" + doc + "/confirmation", bearer: c.SessionToken}, http.StatusNotFound},
		} {
			problem(t, tc.name, e.do(tc.r), tc.status)
		}
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM issuer_confirmations`).Scan(&n); err != nil || n != 0 {
			t.Errorf("requests after refusals = %d, %v; want none", n, err)
		}
	})
}

func TestConfirmationPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		c := e.Citizen(t)
		doc := e.passport(c.Citizen.ID)
		path := "/documents/" + doc + "/confirmation"
		rec := e.do(req{method: "GET", path: path, bearer: c.SessionToken})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="send-confirmation"`) ||
			!strings.Contains(rec.Body.String(), `data-status="none"`) || !strings.Contains(rec.Body.String(), `data-assurance="basic"`) {
			t.Fatalf("GET page = %d; want the send button, status none, level basic:\n%s", rec.Code, rec.Body)
		}
		rec = e.do(req{method: "POST", path: path, bearer: c.SessionToken, form: url.Values{"action": {"send"}}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST send = %d %s; want 303", rec.Code, rec.Body)
		}
		rec = e.do(req{method: "GET", path: path + "?msg=sent", bearer: c.SessionToken})
		if body := rec.Body.String(); !strings.Contains(body, `data-status="pending"`) || !strings.Contains(body, `id="cancel-confirmation"`) {
			t.Errorf("page after sending = %s; want pending with a withdraw button", body)
		}
		rec = e.do(req{method: "POST", path: path, bearer: c.SessionToken, form: url.Values{"action": {"send"}}})
		if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `id="form-error"`) {
			t.Errorf("POST send twice = %d %s; want 409 with the error on the page", rec.Code, rec.Body)
		}
		rec = e.do(req{method: "POST", path: path, bearer: c.SessionToken, form: url.Values{"action": {"bogus"}}})
		if rec.Code != http.StatusBadRequest {
			t.Errorf("POST bogus action = %d; want 400", rec.Code)
		}
		rec = e.do(req{method: "POST", path: path, bearer: c.SessionToken, form: url.Values{"action": {"cancel"}}})
		if rec.Code != http.StatusSeeOther {
			t.Errorf("POST cancel = %d %s; want 303", rec.Code, rec.Body)
		}
		if rec := e.do(req{method: "GET", path: "/documents/nope/confirmation", bearer: c.SessionToken}); rec.Code != http.StatusNotFound {
			t.Errorf("GET page of an unknown document = %d; want 404", rec.Code)
		}
		rec = e.do(req{method: "GET", path: "/documents/" + doc, bearer: c.SessionToken})
		if !strings.Contains(rec.Body.String(), `href="/documents/`+doc+`/confirmation"`) {
			t.Errorf("document page lacks the link to the confirmation page")
		}
	})
}

func TestSendDailyLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		c := e.Citizen(t)
		path := "/api/v1/documents/" + e.passport(c.Citizen.ID) + "/confirmation"
		for i := 0; i < 3; i++ {
			if rec := e.do(req{method: "POST", path: path, bearer: c.SessionToken}); rec.Code != http.StatusCreated {
				t.Fatalf("POST %d = %d %s", i, rec.Code, rec.Body)
			}
			if rec := e.do(req{method: "DELETE", path: path, bearer: c.SessionToken}); rec.Code != http.StatusOK {
				t.Fatalf("DELETE %d = %d %s", i, rec.Code, rec.Body)
			}
		}
		rec := e.do(req{method: "POST", path: path, bearer: c.SessionToken})
		if code := problem(t, "POST a fourth time", rec, http.StatusTooManyRequests); code != digitalid.ERATELIMITED {
			t.Errorf("POST a fourth time code = %q", code)
		}
		if got := rec.Header().Get("Retry-After"); got != "86400" {
			t.Errorf("Retry-After = %q, want 86400", got)
		}
	})
}
