package recovery_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/oracletest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// Issue 3: "Responses do not reveal whether a phone number is registered."
// The recovery routes that take a number — asking for a recovery code,
// starting a recovery with it (API and pages), and inviting a trusted
// contact (API, page, and the inviter's list afterwards) — are sent the
// same requests for an eligible registered number, a registered number
// whose account is not confirmed, a number that never had an account and
// the number of a deleted account; everything a stranger (or the inviting
// citizen) sees must be the same: status, headers (cookies by name,
// attributes and value length) and body, with random values (ids, tokens)
// replaced by their length. The clock stands still while a sequence runs.
//
// Out of scope: timing (the number is looked up by its keyed hash; an
// eligible contact is told in the background, so that the answer takes as
// long for every number), the SMS (only the number's holder reads it), and
// what the invitee chooses: an accepted invitation shows as accepted, which
// the invitee agreed to; a declined one keeps showing as pending.

// oracleReq is one request: a JSON body, or a form when form is set.
type oracleReq struct {
	method, path string
	json         any
	form         url.Values
	token        string
	cookies      []*http.Cookie
}

// oracleSend serves r with the same client address, request id and language for
// every number.
func (e *env) oracleSend(r oracleReq) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	ctype := ""
	switch {
	case r.form != nil:
		body, ctype = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	case r.json != nil:
		j, err := json.Marshal(r.json)
		if err != nil {
			e.t.Fatal(err)
		}
		body, ctype = bytes.NewReader(j), "application/json"
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	hr.RemoteAddr = "192.0.2.7:40000"
	hr.Header.Set("X-Request-ID", "probe-0001")
	hr.Header.Set("Accept-Language", "en")
	hr.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36")
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// oracleNumber is a phone number of one kind.
type oracleNumber = oracletest.Number

// oraclePopulation: phone(base) an adult with a confirmed account (who can be a
// trusted contact and recover), phone(base+1) an adult whose account is not
// confirmed, phone(base+2) never registered, phone(base+3) deleted. The
// clock then moves a day on so that the sign-up codes count against no
// limit.
func (e *env) oraclePopulation(base int) []oracleNumber {
	e.t.Helper()
	eligible := e.person(base, 30, account.AssuranceStandard)
	basic := e.person(base+1, 40, account.AssuranceBasic)
	gone := e.person(base+3, 35, account.AssuranceStandard)
	if err := e.acc.DeleteAccount(e.ctx, gone.Session, account.Client{}); err != nil {
		e.t.Fatalf("DeleteAccount = %v", err)
	}
	e.clock.Advance(25 * time.Hour)
	return []oracleNumber{{Kind: "eligible", Phone: eligible.Phone}, {Kind: "unconfirmed", Phone: basic.Phone}, {Kind: "unregistered", Phone: phone(base + 2)}, {Kind: "deleted", Phone: gone.Phone}}
}

// oracleProbe sends steps(to) for each number in turn and fails unless every
// number sees the same answers; the first number's statuses must be want
// (0: any).
func (e *env) oracleProbe(t *testing.T, what string, numbers []oracleNumber, want []int, steps func(to string) []oracleReq) {
	t.Helper()
	oracletest.Probe(t, what, numbers, want, steps, e.oracleSend, func(r oracleReq) string { return r.method + " " + r.path })
}

func oracleRepeat(n int, r oracleReq) []oracleReq { return slices.Repeat([]oracleReq{r}, n) }

// TestOracleRecoveryStart: asking for recovery codes (past the per-number
// limit) and entering wrong ones (until the number's codes lock) answer the
// same for every number — a recovery code is texted to an active account
// only — over the API and the /recover pages.
func TestOracleRecoveryStart(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "http://id.example")
		numbers := e.oraclePopulation(500)
		e.oracleProbe(t, "API recovery codes", numbers, append(oracletest.Statuses(5, 202), 429), func(to string) []oracleReq {
			return oracleRepeat(6, oracleReq{method: "POST", path: "/api/v1/recovery/code", json: map[string]string{"phone": to}})
		})
		e.clock.Advance(2 * time.Hour)
		e.oracleProbe(t, "API recovery wrong codes", numbers, append([]int{202}, append(oracletest.Statuses(9, 401), 423, 423)...), func(to string) []oracleReq {
			return append([]oracleReq{{method: "POST", path: "/api/v1/recovery/code", json: map[string]string{"phone": to}}},
				oracleRepeat(11, oracleReq{method: "POST", path: "/api/v1/recovery/requests",
					json: map[string]string{"phone": to, "code": "000000", "reason": "pin"}})...)
		})
		e.clock.Advance(25 * time.Hour)
		e.oracleProbe(t, "page recovery", numbers, append([]int{200}, append(oracletest.Statuses(9, 401), 423, 423)...), func(to string) []oracleReq {
			return append([]oracleReq{{method: "POST", path: "/recover/phone", form: url.Values{"phone": {to}, "reason": {"pin"}}}},
				oracleRepeat(11, oracleReq{method: "POST", path: "/recover/start",
					form: url.Values{"phone": {to}, "code": {"000000"}, "reason": {"pin"}}})...)
		})
	})
}

// TestOracleInvitation: a citizen inviting a trusted contact sees the same
// answer — and the same entry in their list, before and after the
// invitation's week — whether the number is an eligible adult's, an
// unconfirmed account's, unregistered or deleted, over the API and the
// page. Each probe has its own inviter (at most 3 contacts each).
func TestOracleInvitation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "http://id.example")
		numbers := e.oraclePopulation(520)
		next := 530
		inviter := func() person {
			next++
			return e.person(next, 30, account.AssuranceStandard)
		}
		e.oracleProbe(t, "API invitation", numbers, []int{202, 200, 400}, func(to string) []oracleReq {
			by := inviter()
			invite := oracleReq{method: "POST", path: "/api/v1/me/trusted-contacts", token: by.Token,
				json: map[string]string{"name": "Aunt Saule", "phone": to}}
			return []oracleReq{invite, {method: "GET", path: "/api/v1/me/trusted-contacts", token: by.Token}, invite}
		})
		e.oracleProbe(t, "page invitation", numbers, []int{303, 200, 400}, func(to string) []oracleReq {
			by := inviter()
			session := []*http.Cookie{{Name: "digitalid_session", Value: by.Token}}
			invite := oracleReq{method: "POST", path: "/account/trusted-contacts", cookies: session,
				form: url.Values{"name": {"Aunt Saule"}, "phone": {to}}}
			return []oracleReq{invite, {method: "GET", path: "/account/trusted-contacts?done=invited", cookies: session}, invite}
		})
		// A week on, every invitation not accepted shows as expired, alike.
		var inviters []person
		for _, n := range numbers {
			by := inviter()
			inviters = append(inviters, by)
			if rec := e.oracleSend(oracleReq{method: "POST", path: "/api/v1/me/trusted-contacts", token: by.Token,
				json: map[string]string{"name": "Aunt Saule", "phone": n.Phone}}); rec.Code != http.StatusAccepted {
				t.Fatalf("invite the %s number = %d %s", n.Kind, rec.Code, rec.Body)
			}
		}
		e.clock.Advance(8 * 24 * time.Hour)
		i := 0
		e.oracleProbe(t, "expired invitation", numbers, []int{200, 200}, func(string) []oracleReq {
			token := e.signIn(inviters[i].Phone, goodPIN) // the session has ended meanwhile
			i++
			session := []*http.Cookie{{Name: "digitalid_session", Value: token}}
			return []oracleReq{{method: "GET", path: "/api/v1/me/trusted-contacts", token: token},
				{method: "GET", path: "/account/trusted-contacts", cookies: session}}
		})
	})
}
