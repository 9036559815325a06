package issuerapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/issuerapi"
)

// newConfirmEnv is newEnv with an inbox for decisions, a second issuer
// "fns" not allowed passports, and a self-declared passport the citizen
// sent for confirmation.
func newConfirmEnv(t *testing.T, db *store.DB) (e *env, confirmationID string) {
	e = &env{t: t, clock: keystest.NewClock(), key: issuertest.NewKey(t, "mvd-1")}
	e.is = issuertest.New(t, db, e.clock.Now)
	e.is.Confirming(t, e.clock.Now)
	var err error
	logger := slog.New(slog.DiscardHandler)
	if e.srv, err = web.New(web.Config{PublicURL: publicURL, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: noKeys{}, Clock: e.clock.Now}); err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if err := issuerapi.Register(e.srv, issuerapi.Deps{Issuers: e.is.Issuers, Logger: logger}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	e.addIssuer("mvd", e.key, "passport_ru", "passport_international", "snils")
	e.addIssuer("fns", e.key, "snils")
	e.citizen = e.is.Citizen(t, phone)
	doc := e.is.SelfDeclared(t, e.citizen, "passport_ru", issuertest.Fixture(t, "passport_ru"))
	c, err := e.is.Issuers.Request(context.Background(), e.citizen, doc)
	if err != nil {
		t.Fatalf("Request: %v", err)
	}
	return e, c.ID
}

// signedPassport is the fixture passport with edit applied, signed by k.
func signedPassport(t *testing.T, k issuertest.Key, edit func(map[string]any)) string {
	var f map[string]any
	if err := json.Unmarshal(issuertest.Fixture(t, "passport_ru"), &f); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(f)
	}
	b, _ := json.Marshal(f)
	return k.Sign(t, b)
}

func TestConfirmationsAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, id := newConfirmEnv(t, db)
		code, res := e.do(call{method: "GET", path: "/api/v1/issuer/confirmations?limit=10", token: e.assertion("mvd", e.key)})
		list, _ := res["confirmations"].([]any)
		if code != http.StatusOK || len(list) != 1 {
			t.Fatalf("GET confirmations = %d %v; want one", code, res)
		}
		first, _ := list[0].(map[string]any)
		fields, _ := first["fields"].(map[string]any)
		if first["id"] != id || first["type"] != "passport_ru" || first["status"] != "pending" || fields["number"] != "123456" {
			t.Errorf("pending confirmation = %v; want %s, passport_ru, pending, with fields", first, id)
		}
		code, res = e.do(call{method: "GET", path: "/api/v1/issuer/confirmations", token: e.assertion("fns", e.key)})
		if l, _ := res["confirmations"].([]any); code != http.StatusOK || len(l) != 0 {
			t.Errorf("GET confirmations as fns = %d %v; want an empty list", code, res)
		}
		code, res = e.do(call{method: "POST", path: "/api/v1/issuer/confirmations/" + id, token: e.assertion("mvd", e.key),
			body: map[string]any{"decision": "confirm", "ref": "P-1", "document": signedPassport(t, e.key, nil)}})
		if code != http.StatusOK || res["status"] != "confirmed" || res["document_id"] == "" || res["decided_at"] == nil {
			t.Fatalf("POST confirm = %d %v; want 200 confirmed", code, res)
		}
		c, _ := e.is.Accounts.Citizens.Get(context.Background(), e.citizen)
		if c.Assurance != account.AssuranceStandard {
			t.Errorf("assurance after the confirmation = %s, want standard", c.Assurance)
		}
		code, res = e.do(call{method: "POST", path: "/api/v1/issuer/confirmations/" + id, token: e.assertion("mvd", e.key),
			body: map[string]any{"decision": "reject", "reason": "other"}})
		if code != http.StatusConflict || res["type"] == nil {
			t.Errorf("POST reject after confirm = %d %v; want 409 problem", code, res)
		}
		code, res = e.do(call{method: "GET", path: "/api/v1/issuer/confirmations", token: e.assertion("mvd", e.key)})
		if l, _ := res["confirmations"].([]any); code != http.StatusOK || len(l) != 0 {
			t.Errorf("GET confirmations after the decision = %d %v; want none", code, res)
		}
	})
}

func TestRejectAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, id := newConfirmEnv(t, db)
		code, res := e.do(call{method: "POST", path: "/api/v1/issuer/confirmations/" + id, token: e.assertion("mvd", e.key),
			body: map[string]any{"decision": "reject", "reason": "mismatch"}})
		if code != http.StatusOK || res["status"] != "rejected" || res["reason"] != "mismatch" {
			t.Fatalf("POST reject = %d %v; want 200 rejected mismatch", code, res)
		}
		notes, err := e.is.Notes.List(context.Background(), e.citizen, false, 0)
		if err != nil || len(notes) != 1 || notes[0].Kind != account.KindConfirmationRejected || notes[0].Params["reason"] != "mismatch" {
			t.Errorf("inbox = %+v, %v; want one confirmation_rejected (mismatch)", notes, err)
		}
	})
}

func TestConfirmationsAPIRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, id := newConfirmEnv(t, db)
		other := issuertest.NewKey(t, "x-1")
		path := "/api/v1/issuer/confirmations/" + id
		before := e.is.Documents(t)
		for _, tc := range []struct {
			name   string
			c      call
			status int
			field  string // the field error expected, if any
		}{
			{"no credentials", call{method: "POST", path: path, body: map[string]any{"decision": "reject", "reason": "other"}}, http.StatusUnauthorized, ""},
			{"list without credentials", call{method: "GET", path: "/api/v1/issuer/confirmations"}, http.StatusUnauthorized, ""},
			{"bad limit", call{method: "GET", path: "/api/v1/issuer/confirmations?limit=x", token: e.assertion("mvd", e.key)}, http.StatusBadRequest, "limit"},
			{"limit too large", call{method: "GET", path: "/api/v1/issuer/confirmations?limit=201", token: e.assertion("mvd", e.key)}, http.StatusBadRequest, "limit"},
			{"unknown decision", call{method: "POST", path: path, token: e.assertion("mvd", e.key), body: map[string]any{"decision": "maybe"}}, http.StatusBadRequest, "decision"},
			{"unknown member", call{method: "POST", path: path, token: e.assertion("mvd", e.key), body: map[string]any{"decision": "reject", "reason": "other", "x": 1}}, http.StatusBadRequest, ""},
			{"bad reason", call{method: "POST", path: path, token: e.assertion("mvd", e.key), body: map[string]any{"decision": "reject", "reason": "because"}}, http.StatusBadRequest, "reason"},
			{"bad JWS", call{method: "POST", path: path, token: e.assertion("mvd", e.key), body: map[string]any{"decision": "confirm", "ref": "P-1", "document": "a.b.c"}}, http.StatusBadRequest, "document"},
			{"JWS of another key", call{method: "POST", path: path, token: e.assertion("mvd", e.key),
				body: map[string]any{"decision": "confirm", "ref": "P-1", "document": signedPassport(t, other, nil)}}, http.StatusBadRequest, "document"},
			{"mismatch", call{method: "POST", path: path, token: e.assertion("mvd", e.key),
				body: map[string]any{"decision": "confirm", "ref": "P-1", "document": signedPassport(t, e.key, func(f map[string]any) { f["birth_date"] = "1986-03-14" })}}, http.StatusBadRequest, "document"},
			{"bad photo", call{method: "POST", path: path, token: e.assertion("mvd", e.key),
				body: map[string]any{"decision": "confirm", "ref": "P-1", "document": signedPassport(t, e.key, nil), "photo": "!!"}}, http.StatusBadRequest, "photo"},
			{"issuer not allowed the type", call{method: "POST", path: path, token: e.assertion("fns", e.key), body: map[string]any{"decision": "reject", "reason": "other"}}, http.StatusForbidden, ""},
			{"unknown request", call{method: "POST", path: "/api/v1/issuer/confirmations/cf_nope", token: e.assertion("mvd", e.key), body: map[string]any{"decision": "reject", "reason": "other"}}, http.StatusNotFound, ""},
		} {
			w := e.record(tc.c)
			var p struct {
				Type   string `json:"type"`
				Title  string `json:"title"`
				Errors []struct {
					Field string `json:"field"`
					Code  string `json:"code"`
				} `json:"errors"`
			}
			_ = json.Unmarshal(w.Body.Bytes(), &p)
			if w.Code != tc.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") || p.Title == "" {
				t.Errorf("%s: %s %s = %d %s %s; want %d problem+json", tc.name, tc.c.method, tc.c.path, w.Code, w.Header().Get("Content-Type"), w.Body, tc.status)
				continue
			}
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("%s: errors = %+v; want one on %s", tc.name, p.Errors, tc.field)
			}
		}
		if got := e.is.Documents(t); got != before {
			t.Errorf("vault after refusals = %s, want %s", got, before)
		}
		code, res := e.do(call{method: "GET", path: "/api/v1/issuer/confirmations", token: e.assertion("mvd", e.key)})
		if l, _ := res["confirmations"].([]any); code != http.StatusOK || len(l) != 1 {
			t.Errorf("GET confirmations after refusals = %d %v; want the request still pending", code, res)
		}
		if c, _ := e.is.Accounts.Citizens.Get(context.Background(), e.citizen); c.Assurance != account.AssuranceBasic {
			t.Errorf("assurance after refusals = %s, want basic", c.Assurance)
		}
	})
}
