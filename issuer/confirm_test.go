package issuer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// confirmEnv is the issuing Service over a real database with an inbox,
// an active issuer "mvd" allowed both passports and a citizen at basic.
type confirmEnv struct {
	t       *testing.T
	ctx     context.Context
	is      *issuertest.Env
	texts   *issuertest.Texts
	clock   *keystest.Clock
	key     issuertest.Key
	mvd     issuer.Issuer
	citizen string
}

func newConfirmEnv(t *testing.T, db *store.DB) *confirmEnv {
	e := &confirmEnv{t: t, ctx: context.Background(), clock: keystest.NewClock(), key: issuertest.NewKey(t, "mvd-1")}
	e.is = issuertest.New(t, db, e.clock.Now)
	e.texts = e.is.Confirming(t, e.clock.Now)
	e.mvd = e.addIssuer("mvd", e.key, "passport_ru", "passport_international", "snils")
	e.citizen = e.is.Citizen(t, "+79161234567")
	return e
}

func (e *confirmEnv) addIssuer(id string, k issuertest.Key, types ...string) issuer.Issuer {
	e.t.Helper()
	i, err := e.is.Issuers.Add(e.ctx, "op1", issuer.Issuer{ID: id, Name: id, AllowedTypes: types, PublicKeys: k.JWKS()})
	if err != nil {
		e.t.Fatalf("Add(%s): %v", id, err)
	}
	return i
}

// passport adds the citizen's self-declared passport_ru and sends it.
func (e *confirmEnv) passport(citizen string) (docID string, c issuer.Confirmation) {
	e.t.Helper()
	docID = e.is.SelfDeclared(e.t, citizen, "passport_ru", issuertest.Fixture(e.t, "passport_ru"))
	c, err := e.is.Issuers.Request(e.ctx, citizen, docID)
	if err != nil {
		e.t.Fatalf("Request(%s) = %v", docID, err)
	}
	return docID, c
}

// confirmation is mvd's confirmation of the fixture passport, with fields
// changed by edit.
func (e *confirmEnv) confirmation(ref string, edit func(map[string]any)) issuer.Decision {
	var f map[string]any
	if err := json.Unmarshal(issuertest.Fixture(e.t, "passport_ru"), &f); err != nil {
		e.t.Fatal(err)
	}
	if edit != nil {
		edit(f)
	}
	b, _ := json.Marshal(f)
	return issuer.Decision{Kind: issuer.DecisionConfirm, Ref: ref, Document: e.key.Sign(e.t, b)}
}

func (e *confirmEnv) citizenRecord(id string) account.Citizen {
	e.t.Helper()
	c, err := e.is.Accounts.Citizens.Get(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *confirmEnv) notes(citizen string) []account.Kind {
	e.t.Helper()
	l, err := e.is.Notes.List(e.ctx, citizen, false, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []account.Kind
	for _, n := range l {
		out = append(out, n.Kind)
	}
	return out
}

func wantCode(t *testing.T, call string, err error, code string) {
	t.Helper()
	if digitalid.ErrorCode(err) != code {
		t.Errorf("%s = %v; want %s", call, err, code)
	}
}

func TestConfirmPassport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		docID, req := e.passport(e.citizen)
		if req.Status != issuer.ConfirmPending || req.Type != "passport_ru" || req.DocumentID != docID {
			t.Fatalf("Request = %+v; want pending passport_ru of %s", req, docID)
		}
		if got, err := e.is.Issuers.Status(e.ctx, e.citizen, docID); err != nil || got.ID != req.ID {
			t.Errorf("Status = %+v, %v; want %s", got, err, req.ID)
		}
		l, err := e.is.Issuers.Pending(e.ctx, e.mvd, 0)
		if err != nil || len(l) != 1 || l[0].ID != req.ID || l[0].Fields.Text("number") != "123456" || l[0].Fields.Text("birth_date") != "1985-03-14" {
			t.Fatalf("Pending = %+v, %v; want the request with its fields", l, err)
		}
		ev, err := e.is.Audit.List(e.ctx, e.citizen, audit.ListOptions{Actions: []string{"document.read"}})
		if err != nil || len(ev) != 1 || ev[0].Actor != (audit.Actor{Type: audit.ActorIssuer, ID: "mvd"}) || ev[0].Details["purpose"] != "confirmation" ||
			ev[0].Object != "document:"+docID {
			t.Errorf("audit of the disclosure = %+v, %v; want one document.read by issuer mvd", ev, err)
		}
		got, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-77", nil))
		if err != nil || got.Status != issuer.ConfirmConfirmed || got.DecidedBy != "mvd" || got.IssuerDocumentID == "" {
			t.Fatalf("Decide(confirm) = %+v, %v; want confirmed with the issuer's document", got, err)
		}
		c := e.citizenRecord(e.citizen)
		if c.Assurance != account.AssuranceStandard || c.BirthDate.Format(time.DateOnly) != "1985-03-14" {
			t.Errorf("citizen after confirmation = %s, %v; want standard, 1985-03-14", c.Assurance, c.BirthDate)
		}
		docs, err := e.is.Vault.List(e.ctx, e.citizen)
		if err != nil || len(docs) != 1 || docs[0].ID != got.IssuerDocumentID || !docs[0].Confirmed() {
			t.Errorf("documents after confirmation = %v, %v; want only the issuer's", docs, err)
		}
		if _, err := e.is.Vault.Get(e.ctx, e.citizen, docID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("self-declared document after confirmation: %v; want deleted", err)
		}
		if st, err := e.is.Issuers.Status(e.ctx, e.citizen, docID); err != nil || st.Status != issuer.ConfirmConfirmed {
			t.Errorf("Status after confirmation = %+v, %v; want confirmed", st, err)
		}
		if n := e.notes(e.citizen); !contains(n, account.KindConfirmationConfirmed) {
			t.Errorf("inbox = %v; want %s", n, account.KindConfirmationConfirmed)
		}
		if p := e.texts.Purposes(); !containsS(p, "notice_confirmation_confirmed") {
			t.Errorf("SMS = %v; want notice_confirmation_confirmed", p)
		}
		_, err = e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-77", nil))
		wantCode(t, "Decide(again)", err, digitalid.ECONFLICT)
		_, err = e.is.Issuers.Cancel(e.ctx, e.citizen, docID)
		wantCode(t, "Cancel(confirmed)", err, digitalid.ECONFLICT)
		if l, err := e.is.Issuers.Pending(e.ctx, e.mvd, 0); err != nil || len(l) != 0 {
			t.Errorf("Pending after the decision = %v, %v; want none", l, err)
		}
	})
}

func TestRejectPassport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		docID, req := e.passport(e.citizen)
		for _, bad := range []string{"", "nope", "NOT_FOUND"} {
			_, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, issuer.Decision{Kind: issuer.DecisionReject, Reason: bad})
			wantCode(t, fmt.Sprintf("Decide(reject %q)", bad), err, digitalid.EINVALID)
		}
		_, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, issuer.Decision{Kind: "maybe"})
		wantCode(t, "Decide(maybe)", err, digitalid.EINVALID)
		got, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, issuer.Decision{Kind: issuer.DecisionReject, Reason: issuer.ReasonNotFound})
		if err != nil || got.Status != issuer.ConfirmRejected || got.Reason != issuer.ReasonNotFound {
			t.Fatalf("Decide(reject) = %+v, %v; want rejected not_found", got, err)
		}
		if c := e.citizenRecord(e.citizen); c.Assurance != account.AssuranceBasic {
			t.Errorf("assurance after a rejection = %s, want basic", c.Assurance)
		}
		if _, err := e.is.Vault.Get(e.ctx, e.citizen, docID); err != nil {
			t.Errorf("self-declared document after a rejection: %v; want kept", err)
		}
		if n := e.notes(e.citizen); !contains(n, account.KindConfirmationRejected) {
			t.Errorf("inbox = %v; want %s", n, account.KindConfirmationRejected)
		}
		if p := e.texts.Purposes(); !containsS(p, "notice_confirmation_rejected") {
			t.Errorf("SMS = %v; want notice_confirmation_rejected", p)
		}
		_, err = e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, issuer.Decision{Kind: issuer.DecisionReject, Reason: issuer.ReasonOther})
		wantCode(t, "Decide(reject twice)", err, digitalid.ECONFLICT)
		// A rejected passport may be sent again.
		if _, err := e.is.Issuers.Request(e.ctx, e.citizen, docID); err != nil {
			t.Errorf("Request after a rejection = %v", err)
		}
	})
}

func TestRequestRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		other := e.is.Citizen(t, "+79161234568")
		mine := e.is.SelfDeclared(t, e.citizen, "passport_ru", issuertest.Fixture(t, "passport_ru"))
		snils := e.is.SelfDeclared(t, e.citizen, "snils", issuertest.Fixture(t, "snils"))
		// A citizen a registry confirmed already (standard) sends nothing.
		confirmed := e.is.Citizen(t, "+79161234569")
		pushed, err := e.is.Issuers.Push(e.ctx, e.mvd, issuer.Push{Ref: "I-1", Citizen: issuer.CitizenRef{Phone: "+79161234569"},
			Type: "passport_international", Document: e.key.Sign(t, issuertest.Fixture(t, "passport_international")), IdempotencyKey: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		typed := e.is.SelfDeclared(t, confirmed, "passport_ru", issuertest.Fixture(t, "passport_ru"))
		_, err = e.is.Issuers.Request(e.ctx, confirmed, typed)
		if de, ok := errors.AsType[*digitalid.Error](err); !ok || de.Code != digitalid.ECONFLICT || de.Key != "confirm.error.already_confirmed" {
			t.Errorf("Request(a citizen at standard) = %v; want ECONFLICT confirm.error.already_confirmed", err)
		}
		for _, tc := range []struct {
			name, citizen, doc, code string
		}{
			{"another citizen's document", other, mine, digitalid.ENOTFOUND},
			{"unknown document", e.citizen, "nope", digitalid.ENOTFOUND},
			{"a SNILS", e.citizen, snils, digitalid.EINVALID},
			{"an issuer's document", confirmed, pushed.Document.ID, digitalid.ECONFLICT},
		} {
			_, err := e.is.Issuers.Request(e.ctx, tc.citizen, tc.doc)
			wantCode(t, "Request("+tc.name+")", err, tc.code)
		}
		if _, err := e.is.Issuers.Request(e.ctx, e.citizen, mine); err != nil {
			t.Fatalf("Request = %v", err)
		}
		_, err = e.is.Issuers.Request(e.ctx, e.citizen, mine)
		wantCode(t, "Request(pending twice)", err, digitalid.ECONFLICT)
		second := e.is.SelfDeclared(t, e.citizen, "passport_ru", issuertest.Fixture(t, "passport_ru"))
		_, err = e.is.Issuers.Request(e.ctx, e.citizen, second)
		wantCode(t, "Request(another passport_ru while one is pending)", err, digitalid.ECONFLICT)
		_, err = e.is.Issuers.Status(e.ctx, other, mine)
		wantCode(t, "Status(another citizen's)", err, digitalid.ENOTFOUND)
		_, err = e.is.Issuers.Cancel(e.ctx, other, mine)
		wantCode(t, "Cancel(another citizen's)", err, digitalid.ENOTFOUND)

		// At most three requests in 24 hours, cancelled ones included.
		for i := 0; i < 2; i++ {
			if _, err := e.is.Issuers.Cancel(e.ctx, e.citizen, mine); err != nil {
				t.Fatalf("Cancel %d = %v", i, err)
			}
			if _, err := e.is.Issuers.Request(e.ctx, e.citizen, mine); err != nil {
				t.Fatalf("Request %d = %v", i+2, err)
			}
		}
		if _, err := e.is.Issuers.Cancel(e.ctx, e.citizen, mine); err != nil {
			t.Fatal(err)
		}
		_, err = e.is.Issuers.Request(e.ctx, e.citizen, mine)
		wantCode(t, "Request(a fourth in a day)", err, digitalid.ERATELIMITED)
		if l, ok := account.LimitOf(err); !ok || l.RetryAt.IsZero() {
			t.Errorf("Request(a fourth) limit = %+v, %v; want a retry time", l, ok)
		}
		e.clock.Advance(24*time.Hour + time.Second)
		if _, err := e.is.Issuers.Request(e.ctx, e.citizen, mine); err != nil {
			t.Errorf("Request a day later = %v", err)
		}
	})
}

func TestDecideRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		otherKey := issuertest.NewKey(t, "fns-1")
		fns := e.addIssuer("fns", otherKey, "snils", "inn")
		intl := e.addIssuer("mid", otherKey, "passport_international")
		docID, req := e.passport(e.citizen)
		before := e.is.Documents(t)
		refusals := []struct {
			name string
			iss  issuer.Issuer
			dec  issuer.Decision
			code string
		}{
			{"birth date mismatch", e.mvd, e.confirmation("P-1", func(f map[string]any) { f["birth_date"] = "1985-03-15" }), digitalid.EINVALID},
			{"number mismatch", e.mvd, e.confirmation("P-1", func(f map[string]any) { f["number"] = "654321" }), digitalid.EINVALID},
			{"series mismatch", e.mvd, e.confirmation("P-1", func(f map[string]any) { f["series"] = "4506" }), digitalid.EINVALID},
			{"bad JWS", e.mvd, issuer.Decision{Kind: issuer.DecisionConfirm, Ref: "P-1", Document: "not.a.jws"}, digitalid.EINVALID},
			{"JWS of another key", e.mvd, issuer.Decision{Kind: issuer.DecisionConfirm, Ref: "P-1",
				Document: otherKey.Sign(t, issuertest.Fixture(t, "passport_ru"))}, digitalid.EINVALID},
			{"no ref", e.mvd, e.confirmation("", nil), digitalid.EINVALID},
			{"invalid fields", e.mvd, e.confirmation("P-1", func(f map[string]any) { delete(f, "surname") }), digitalid.EINVALID},
			{"issuer not allowed the type", fns, issuer.Decision{Kind: issuer.DecisionReject, Reason: issuer.ReasonOther}, digitalid.EFORBIDDEN},
			{"issuer not allowed the type (confirm)", intl, e.confirmation("P-1", nil), digitalid.EFORBIDDEN},
		}
		for _, tc := range refusals {
			_, err := e.is.Issuers.Decide(e.ctx, tc.iss, req.ID, tc.dec)
			wantCode(t, "Decide("+tc.name+")", err, tc.code)
		}
		_, err := e.is.Issuers.Decide(e.ctx, e.mvd, "cf_nope", issuer.Decision{Kind: issuer.DecisionReject, Reason: issuer.ReasonOther})
		wantCode(t, "Decide(unknown id)", err, digitalid.ENOTFOUND)
		disabled := e.mvd
		disabled.Status = issuer.StatusDisabled
		_, err = e.is.Issuers.Decide(e.ctx, disabled, req.ID, e.confirmation("P-1", nil))
		wantCode(t, "Decide(disabled issuer)", err, digitalid.EUNAUTHORIZED)
		// Nothing changed.
		if got := e.is.Documents(t); got != before {
			t.Errorf("vault after refusals = %s, want %s", got, before)
		}
		if st, err := e.is.Issuers.Status(e.ctx, e.citizen, docID); err != nil || st.Status != issuer.ConfirmPending {
			t.Errorf("Status after refusals = %+v, %v; want pending", st, err)
		}
		if c := e.citizenRecord(e.citizen); c.Assurance != account.AssuranceBasic {
			t.Errorf("assurance after refusals = %s, want basic", c.Assurance)
		}
		if n := e.notes(e.citizen); len(n) != 0 {
			t.Errorf("inbox after refusals = %v, want empty", n)
		}
		if l, err := e.is.Issuers.Pending(e.ctx, fns, 0); err != nil || len(l) != 0 {
			t.Errorf("Pending(issuer without passports) = %v, %v; want none", l, err)
		}
		_, err = e.is.Issuers.Pending(e.ctx, e.mvd, issuer.MaxPendingLimit+1)
		wantCode(t, "Pending(limit too large)", err, digitalid.EINVALID)
		// The mismatch error names the field, not the values.
		_, err = e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-1", func(f map[string]any) { f["number"] = "654321" }))
		var de *digitalid.Error
		if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Code != "mismatch" || bytes.Contains([]byte(de.Error()), []byte("654321")) {
			t.Errorf("Decide(mismatch) = %v; want one field error coded mismatch without the values", err)
		}
	})
}

func TestDecideConcurrently(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		_, req := e.passport(e.citizen)
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dec := e.confirmation(fmt.Sprintf("P-%d", i), nil)
				if i%2 == 1 {
					dec = issuer.Decision{Kind: issuer.DecisionReject, Reason: issuer.ReasonMismatch}
				}
				_, errs[i] = e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, dec)
			}()
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case digitalid.ErrorCode(err) != digitalid.ECONFLICT:
				t.Errorf("Decide %d = %v; want nil or ECONFLICT", i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d decisions won, want exactly 1", wins)
		}
		st, err := e.is.Issuers.Status(e.ctx, e.citizen, req.DocumentID)
		if err != nil {
			t.Fatal(err)
		}
		docs, _ := e.is.Vault.List(e.ctx, e.citizen)
		issued := 0
		for _, d := range docs {
			if d.Source == vault.SourceIssuer {
				issued++
			}
		}
		if want := map[issuer.ConfirmStatus]int{issuer.ConfirmConfirmed: 1, issuer.ConfirmRejected: 0}[st.Status]; issued != want {
			t.Errorf("%s request left %d issuer documents, want %d", st.Status, issued, want)
		}
		// The losing confirmations bound the passport for a moment: after a
		// rejection won, no binding is left behind, so another account may
		// have it; after a confirmation, it is that citizen's.
		other := e.is.Citizen(t, "+79161234599")
		_, req2 := e.passport(other)
		_, err = e.is.Issuers.Decide(e.ctx, e.mvd, req2.ID, e.confirmation("P-other", nil))
		switch st.Status {
		case issuer.ConfirmRejected:
			if err != nil {
				t.Errorf("Decide(another account, after a rejection won) = %v; want nil (no binding left)", err)
			}
		default:
			if de, ok := errors.AsType[*digitalid.Error](err); !ok || de.Key != "confirm.error.bound_elsewhere" {
				t.Errorf("Decide(another account, after a confirmation won) = %v; want confirm.error.bound_elsewhere", err)
			}
		}
	})
}

func TestPendingSkipsGoneCitizens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		gone := e.is.Citizen(t, "+79161234569")
		_, goneReq := e.passport(gone)
		e.clock.Advance(time.Minute)
		withdrawn, _ := e.passport(e.citizen)
		if err := db.DeleteCitizen(e.ctx, gone, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.is.Vault.Delete(e.ctx, e.citizen, withdrawn); err != nil {
			t.Fatal(err)
		}
		if l, err := e.is.Issuers.Pending(e.ctx, e.mvd, 0); err != nil || len(l) != 0 {
			t.Errorf("Pending = %v, %v; want none (a deleted citizen, a deleted document)", l, err)
		}
		if st, err := e.is.Issuers.Status(e.ctx, e.citizen, withdrawn); err != nil || st.Status != issuer.ConfirmCancelled {
			t.Errorf("Status of a request whose document was deleted = %+v, %v; want cancelled", st, err)
		}
		_, err := e.is.Issuers.Decide(e.ctx, e.mvd, goneReq.ID, issuer.Decision{Kind: issuer.DecisionReject, Reason: issuer.ReasonOther})
		wantCode(t, "Decide(deleted citizen's request)", err, digitalid.ENOTFOUND)
	})
}

func contains(l []account.Kind, k account.Kind) bool {
	for _, x := range l {
		if x == k {
			return true
		}
	}
	return false
}

func containsS(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestConfirmInternationalPassport: a confirmed international passport is
// identity data confirmed by a registry too: it sets the birth date and
// raises basic to standard, like the internal one.
func TestConfirmInternationalPassport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		fields := issuertest.Fixture(t, "passport_international")
		docID := e.is.SelfDeclared(t, e.citizen, "passport_international", fields)
		req, err := e.is.Issuers.Request(e.ctx, e.citizen, docID)
		if err != nil || req.Type != "passport_international" {
			t.Fatalf("Request = %+v, %v", req, err)
		}
		if c := e.citizenRecord(e.citizen); c.Assurance != account.AssuranceBasic {
			t.Fatalf("before confirmation: %s; want basic", c.Assurance)
		}
		d := issuer.Decision{Kind: issuer.DecisionConfirm, Ref: "IP-1", Document: e.key.Sign(t, fields)}
		if got, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, d); err != nil || got.Status != issuer.ConfirmConfirmed {
			t.Fatalf("Decide = %+v, %v", got, err)
		}
		var f struct {
			BirthDate string `json:"birth_date"`
		}
		if err := json.Unmarshal(fields, &f); err != nil {
			t.Fatal(err)
		}
		if c := e.citizenRecord(e.citizen); c.Assurance != account.AssuranceStandard || c.BirthDate.Format(time.DateOnly) != f.BirthDate {
			t.Errorf("after confirmation: %s, %v; want standard, %s", c.Assurance, c.BirthDate, f.BirthDate)
		}
	})
}

// TestConfirmUnfinished: a confirmation claimed by an issuer whose instance
// stopped before storing the document is completed by that issuer's retry
// once the claim is older than ClaimTimeout, and refused to any other
// issuer, to a rejection, and to a retry while the claim may still be live.
func TestConfirmUnfinished(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		docID, req := e.passport(e.citizen)
		other := e.addIssuer("gibdd", issuertest.NewKey(t, "gibdd-1"), "passport_ru")
		// The claim alone, as a crashed instance leaves it.
		claimed := req
		claimed.Status, claimed.DecidedBy, claimed.DecidedAt = issuer.ConfirmConfirmed, "mvd", e.clock.Now().UTC()
		if err := db.UpdateConfirmation(e.ctx, claimed, issuer.ConfirmPending); err != nil {
			t.Fatal(err)
		}
		if _, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-77", nil)); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
			t.Errorf("retry while the claim may be live = %v; want ECONFLICT", err)
		}
		e.clock.Advance(issuer.ClaimTimeout + time.Second)
		if _, err := e.is.Issuers.Decide(e.ctx, other, req.ID, e.confirmation("G-1", nil)); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
			t.Errorf("another issuer's confirm = %v; want ECONFLICT", err)
		}
		if _, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, issuer.Decision{Kind: issuer.DecisionReject, Reason: issuer.ReasonOther}); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
			t.Errorf("reject of a claimed request = %v; want ECONFLICT", err)
		}
		got, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-77", nil))
		if err != nil || got.Status != issuer.ConfirmConfirmed || got.IssuerDocumentID == "" {
			t.Fatalf("retry = %+v, %v; want the confirmation completed", got, err)
		}
		if c := e.citizenRecord(e.citizen); c.Assurance != account.AssuranceStandard {
			t.Errorf("assurance = %s; want standard", c.Assurance)
		}
		if _, err := e.is.Vault.Get(e.ctx, e.citizen, docID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("self-declared document: %v; want deleted", err)
		}
		// Finished, it is decided for everyone, the same issuer included.
		if _, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-77", nil)); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
			t.Errorf("confirm after completion = %v; want ECONFLICT", err)
		}
	})
}

// childPassport is an international passport of a child born on birth
// (issued in 2024), without the optional MRZ.
func childPassport(t *testing.T, birth string) json.RawMessage {
	var f map[string]any
	if err := json.Unmarshal(issuertest.Fixture(t, "passport_international"), &f); err != nil {
		t.Fatal(err)
	}
	delete(f, "mrz")
	f["birth_date"], f["issue_date"], f["expiry_date"] = birth, "2024-02-01", "2029-02-01"
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUnder14NotConfirmed: an account is allowed from 14. A child's
// passport cannot be sent for confirmation, and one a registry pushes
// stores the birth date but leaves the citizen at basic; on the 14th
// birthday PromoteOfAge raises them (once), as the same push would.
func TestUnder14NotConfirmed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db) // the clock reads 2026-11-22
		child := childPassport(t, "2012-11-23")
		docID := e.is.SelfDeclared(t, e.citizen, "passport_international", child)
		_, err := e.is.Issuers.Request(e.ctx, e.citizen, docID)
		if digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Fatalf("Request(13-year-old's passport) = %v; want EINVALID", err)
		}
		if de, ok := errors.AsType[*digitalid.Error](err); !ok || de.Key != "confirm.error.too_young" {
			t.Errorf("key = %v; want confirm.error.too_young", err)
		}
		if _, err := e.is.Issuers.Status(e.ctx, e.citizen, docID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("a refused request was stored: %v", err)
		}
		push := issuer.Push{Ref: "IP-7", Citizen: issuer.CitizenRef{Phone: "+79161234567"}, Type: "passport_international",
			Document: e.key.Sign(t, child), IdempotencyKey: "push-1"}
		if _, err := e.is.Issuers.Push(e.ctx, e.mvd, push); err != nil {
			t.Fatalf("Push = %v", err)
		}
		c := e.citizenRecord(e.citizen)
		if c.Assurance != account.AssuranceBasic || c.BirthDate.Format(time.DateOnly) != "2012-11-23" {
			t.Fatalf("after the push at 13: %s, %v; want basic with the birth date", c.Assurance, c.BirthDate)
		}
		if n, err := e.is.Issuers.PromoteOfAge(e.ctx); err != nil || n != 0 {
			t.Fatalf("PromoteOfAge at 13 = %d, %v; want 0", n, err)
		}
		e.clock.Advance(24 * time.Hour) // the 14th birthday
		if n, err := e.is.Issuers.PromoteOfAge(e.ctx); err != nil || n != 1 {
			t.Fatalf("PromoteOfAge on the birthday = %d, %v; want 1", n, err)
		}
		if c := e.citizenRecord(e.citizen); c.Assurance != account.AssuranceStandard {
			t.Errorf("after the birthday: %s; want standard", c.Assurance)
		}
		if n, err := e.is.Issuers.PromoteOfAge(e.ctx); err != nil || n != 0 {
			t.Errorf("PromoteOfAge again = %d, %v; want 0", n, err)
		}
		// The same push at 14 keeps them there.
		push.IdempotencyKey = "push-2"
		if _, err := e.is.Issuers.Push(e.ctx, e.mvd, push); err != nil {
			t.Fatalf("Push = %v", err)
		}
		if c := e.citizenRecord(e.citizen); c.Assurance != account.AssuranceStandard {
			t.Errorf("after the push at 14: %s; want standard", c.Assurance)
		}
	})
}

// TestConfirmUnfinishedRetryRefused: a retry of an unfinished claim whose
// document the vault refuses returns the refusal and changes nothing: the
// request stays unfinished (no document, not told to the citizen), the
// self-declared passport stays, the level stays basic; a good retry then
// completes it.
func TestConfirmUnfinishedRetryRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		docID, req := e.passport(e.citizen)
		claimed := req
		claimed.Status, claimed.DecidedBy, claimed.DecidedAt = issuer.ConfirmConfirmed, "mvd", e.clock.Now().UTC()
		if err := db.UpdateConfirmation(e.ctx, claimed, issuer.ConfirmPending); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(issuer.ClaimTimeout + time.Second)
		bad := e.confirmation("P-77", func(f map[string]any) { delete(f, "authority"); delete(f, "issue_date") })
		if _, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, bad); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Fatalf("retry with a refused document = %v; want EINVALID", err)
		}
		if got, err := db.Confirmation(e.ctx, req.ID); err != nil || got.IssuerDocumentID != "" {
			t.Errorf("after the refused retry: %+v, %v; want still without a document", got, err)
		}
		if _, err := e.is.Vault.Get(e.ctx, e.citizen, docID); err != nil {
			t.Errorf("self-declared passport after the refused retry: %v; want kept", err)
		}
		if c := e.citizenRecord(e.citizen); c.Assurance != account.AssuranceBasic {
			t.Errorf("assurance = %s; want basic", c.Assurance)
		}
		if n := e.notes(e.citizen); contains(n, account.KindConfirmationConfirmed) {
			t.Errorf("inbox = %v; the citizen was told of a confirmation that did not happen", n)
		}
		e.clock.Advance(issuer.ClaimTimeout + time.Second)
		if got, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-77", nil)); err != nil || got.IssuerDocumentID == "" {
			t.Fatalf("good retry = %+v, %v; want completed", got, err)
		}
	})
}

// TestConfirmPassportOfAnotherAccount: a passport a registry confirmed for
// one account cannot be confirmed for another (someone who typed in a
// relative's real passport), while the account it belongs to is active.
func TestConfirmPassportOfAnotherAccount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		owner := e.citizen
		_, req := e.passport(owner)
		if _, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-1", nil)); err != nil {
			t.Fatalf("Decide(owner) = %v", err)
		}
		impostor := e.is.Citizen(t, "+79161234570")
		_, req2 := e.passport(impostor)
		_, err := e.is.Issuers.Decide(e.ctx, e.mvd, req2.ID, e.confirmation("P-2", nil))
		if de, ok := errors.AsType[*digitalid.Error](err); !ok || de.Code != digitalid.ECONFLICT || de.Key != "confirm.error.bound_elsewhere" {
			t.Fatalf("Decide(the same passport for another account) = %v; want ECONFLICT confirm.error.bound_elsewhere", err)
		}
		if c := e.citizenRecord(impostor); c.Assurance != account.AssuranceBasic {
			t.Errorf("impostor's level = %s; want basic", c.Assurance)
		}
		if st, err := e.is.Issuers.Status(e.ctx, impostor, req2.DocumentID); err != nil || st.Status != issuer.ConfirmPending {
			t.Errorf("impostor's request = %+v, %v; want still pending, for the registry to reject", st, err)
		}
		if _, err := e.is.Issuers.Decide(e.ctx, e.mvd, req2.ID, issuer.Decision{Kind: issuer.DecisionReject, Reason: issuer.ReasonMismatch}); err != nil {
			t.Errorf("reject = %v", err)
		}
	})
}

// TestDecideSamePassportConcurrently: several accounts sent one real
// passport and the registry decides them all at once (a worker pool, a
// ref each): exactly one account gets it; the others stay at basic with
// their requests pending, refused as bound elsewhere.
func TestDecideSamePassportConcurrently(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		const n = 4
		citizens := []string{e.citizen}
		for i := 1; i < n; i++ {
			citizens = append(citizens, e.is.Citizen(t, fmt.Sprintf("+7916123458%d", i)))
		}
		reqs := make([]issuer.Confirmation, n)
		for i, c := range citizens {
			_, reqs[i] = e.passport(c)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.is.Issuers.Decide(e.ctx, e.mvd, reqs[i].ID, e.confirmation(fmt.Sprintf("P-%d", i), nil))
			}()
		}
		wg.Wait()
		winners := 0
		for i, err := range errs {
			level := e.citizenRecord(citizens[i]).Assurance
			if err == nil {
				winners++
				if level != account.AssuranceStandard {
					t.Errorf("winner %d at %s; want standard", i, level)
				}
				continue
			}
			if de, ok := errors.AsType[*digitalid.Error](err); !ok || de.Key != "confirm.error.bound_elsewhere" {
				t.Errorf("Decide %d = %v; want nil or confirm.error.bound_elsewhere", i, err)
			}
			if level != account.AssuranceBasic {
				t.Errorf("loser %d at %s; want basic", i, level)
			}
			if st, err := e.is.Issuers.Status(e.ctx, citizens[i], reqs[i].DocumentID); err != nil || st.Status != issuer.ConfirmPending {
				t.Errorf("loser %d's request = %+v, %v; want pending", i, st, err)
			}
		}
		if winners != 1 {
			t.Fatalf("%d accounts got the passport, want exactly 1", winners)
		}
	})
}

// TestConfirmPassportOfRestorableAccount: the passport of a deleted account
// stays its own while the account can be restored, so a restore never
// brings back a second holder; once the account is purged, another
// account may have it confirmed.
func TestConfirmPassportOfRestorableAccount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newConfirmEnv(t, db)
		owner := e.citizen
		_, req := e.passport(owner)
		if _, err := e.is.Issuers.Decide(e.ctx, e.mvd, req.ID, e.confirmation("P-1", nil)); err != nil {
			t.Fatalf("Decide(owner) = %v", err)
		}
		if err := db.DeleteCitizen(e.ctx, owner, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		other := e.is.Citizen(t, "+79161234571")
		_, req2 := e.passport(other)
		_, err := e.is.Issuers.Decide(e.ctx, e.mvd, req2.ID, e.confirmation("P-2", nil))
		if de, ok := errors.AsType[*digitalid.Error](err); !ok || de.Key != "confirm.error.bound_elsewhere" {
			t.Fatalf("Decide(passport of a restorable account) = %v; want confirm.error.bound_elsewhere", err)
		}
		ids, err := db.ClaimDeletedCitizens(e.ctx, "p_test", e.clock.Now().Add(time.Minute), e.clock.Now(), e.clock.Now(), 10)
		if err != nil || len(ids) != 1 || ids[0] != owner {
			t.Fatalf("ClaimDeletedCitizens = %v, %v; want the owner", ids, err)
		}
		if err := db.DeleteClaimedCitizen(e.ctx, owner, "p_test"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.is.Issuers.Decide(e.ctx, e.mvd, req2.ID, e.confirmation("P-2", nil)); err != nil {
			t.Fatalf("Decide(after the owner was purged) = %v", err)
		}
		if c := e.citizenRecord(other); c.Assurance != account.AssuranceStandard {
			t.Errorf("other's level = %s; want standard", c.Assurance)
		}
	})
}
