package citizen_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/getkin/kin-openapi/openapi3"
)

const birthDate = "1990-05-17"

// withRestoreProofing wires proofing with the development provider, and
// gives it to restore as the face re-check.
func withRestoreProofing(e *env, d *citizen.Deps) {
	withProofing(e, d)
	e.svc.SetProofing(d.Proofing)
}

// deletedAt signs up at phone(n) over the API, gives the citizen level a
// (and birth date b unless empty, as a confirmed passport would) and
// deletes the account.
func (e *env) deletedAt(n int, a account.Assurance, b string) signedIn {
	e.t.Helper()
	s := e.signUp(phone(n))
	if b != "" {
		d, _ := time.Parse(time.DateOnly, b)
		if err := e.svc.Citizens.SetBirthDate(e.ctx, s.CitizenID, d); err != nil {
			e.t.Fatalf("SetBirthDate = %v", err)
		}
	}
	if err := e.svc.Citizens.SetAssurance(e.ctx, s.CitizenID, a); err != nil {
		e.t.Fatalf("SetAssurance = %v", err)
	}
	e.json(req{method: "DELETE", path: "/api/v1/me", token: s.SessionToken}, 200, nil)
	return s
}

// restoreCode asks for a restore code and returns it.
func (e *env) restoreCode(to string) string {
	e.t.Helper()
	e.json(req{method: "POST", path: "/api/v1/auth/restore/otp", body: map[string]string{"phone": to}}, 202, nil)
	return e.code(to)
}

// restoreChecks is the answer of POST /api/v1/auth/restore/challenge.
type restoreChecks struct {
	Checks    []string   `json:"checks"`
	Challenge string     `json:"challenge"`
	ExpiresAt *time.Time `json:"expires_at"`
	Proof     string     `json:"proof"`
}

// multipartRestore posts fields and the photo to POST /api/v1/auth/restore.
func (e *env) multipartRestore(fields map[string]string, img []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if img != nil {
		fw, _ := mw.CreateFormFile("image", "face.png")
		_, _ = fw.Write(img)
	}
	_ = mw.Close()
	hr := httptest.NewRequest("POST", "/api/v1/auth/restore", &body)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.Header.Set("Accept-Language", "en")
	hr.RemoteAddr = "192.0.2.1:40000"
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// openAPI loads the served document.
func (e *env) openAPI() *openapi3.T {
	e.t.Helper()
	return apitest.Load(e.t, e.do(req{method: "GET", path: "/api/v1/openapi.json"}).Body.Bytes())
}

// wantProblem fails unless rec is a problem+json with status, code and a
// detail holding detail.
func wantProblem(t *testing.T, call string, rec *httptest.ResponseRecorder, status int, code, detail string) {
	t.Helper()
	if rec.Code != status || rec.Header().Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(rec.Body.String(), `"code":"`+code+`"`) || !strings.Contains(rec.Body.String(), detail) {
		t.Fatalf("%s = %d %s %s, want %d problem %s with %q", call, rec.Code, rec.Header().Get("Content-Type"), rec.Body, status, code, detail)
	}
}

var inEnglish = []string{"Accept-Language: en"}

// TestAPIRestoreCheckBirthDate: a citizen with a confirmed birth date
// restores with the PIN and the birth date; five wrong dates lock the
// restore (423 with Retry-After, even for the right answers) and nothing is
// restored meanwhile.
func TestAPIRestoreCheckBirthDate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{deps: withRestoreProofing})
		doc := e.openAPI()
		to := phone(1)
		old := e.deletedAt(1, account.AssuranceStandard, birthDate)
		r := req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"phone": to, "code": e.restoreCode(to)}}
		var rc restoreChecks
		rec := e.json(r, 200, &rc)
		validate(t, doc, "/api/v1/auth/restore/challenge", r, rec)
		if !slices.Equal(rc.Checks, []string{"pin", "birth_date"}) || rc.Proof == "" || rc.Challenge != "" {
			t.Fatalf("restore challenge = %+v, want pin and birth_date with a proof", rc)
		}
		proof := rc.Proof
		e.refused(req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"proof": "dpp_nothing"}}, 401, "unauthorized")

		restore := func(body map[string]string) req {
			return req{method: "POST", path: "/api/v1/auth/restore", body: body, headers: inEnglish}
		}
		p, _ := e.refused(restore(map[string]string{"proof": proof, "pin": goodPIN}), 400, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "birth_date" {
			t.Errorf("restore without birth date: errors %+v, want birth_date", p.Errors)
		}
		e.refused(req{method: "POST", path: "/api/v1/auth/restore", body: map[string]any{"proof": proof, "pin": goodPIN, "birth_date": birthDate, "image": "aGVsbG8="}}, 400, "invalid")
		p, _ = e.refused(restore(map[string]string{"proof": proof, "pin": "8642", "birth_date": birthDate}), 401, "unauthorized")
		if !strings.Contains(p.Detail, "PIN") {
			t.Errorf("wrong PIN detail = %q", p.Detail)
		}
		wrong := restore(map[string]string{"proof": proof, "pin": goodPIN, "birth_date": "1990-05-18"})
		for range account.MaxRestoreIdentityFailures - 1 {
			rec := e.do(wrong)
			wantProblem(t, "restore with a wrong birth date", rec, 401, "unauthorized", "do not match")
			validate(t, doc, "/api/v1/auth/restore", wrong, rec)
		}
		rec = e.do(wrong)
		wantProblem(t, "fifth wrong birth date", rec, 423, "locked", "blocked")
		if got := rec.Header().Get("Retry-After"); got != "900" {
			t.Errorf("Retry-After = %q, want 900", got)
		}
		validate(t, doc, "/api/v1/auth/restore", wrong, rec)
		right := restore(map[string]string{"proof": proof, "pin": goodPIN, "birth_date": birthDate})
		rec = e.do(right)
		wantProblem(t, "right answers while locked", rec, 423, "locked", "blocked")
		rec = e.do(req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"proof": proof}, headers: inEnglish})
		wantProblem(t, "challenge while locked", rec, 423, "locked", "blocked")
		if rec.Header().Get("Retry-After") == "" {
			t.Error("locked challenge without Retry-After")
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: old.SessionToken}, 401, "unauthorized")

		e.clock.Advance(15 * time.Minute)
		var second restoreChecks
		e.json(req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"phone": to, "code": e.restoreCode(to)}}, 200, &second)
		var third restoreChecks
		e.json(req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"phone": to, "code": e.restoreCode(to)}}, 200, &third)
		right = restore(map[string]string{"proof": second.Proof, "pin": goodPIN, "birth_date": birthDate})
		var s signedIn
		rec = e.json(right, 200, &s)
		validate(t, doc, "/api/v1/auth/restore", right, rec)
		e.json(req{method: "GET", path: "/api/v1/me", token: s.SessionToken}, 200, nil)
		e.refused(req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"proof": third.Proof}}, 404, "not_found")
	})
}

// TestAPIRestoreCheckFace: a citizen at high also sends a photo
// (multipart/form-data) with the challenge the challenge endpoint issued;
// a non-match and a replayed challenge are refused, a match restores
// without changing the level.
func TestAPIRestoreCheckFace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{deps: withRestoreProofing})
		doc := e.openAPI()
		to := phone(2)
		old := e.deletedAt(2, account.AssuranceHigh, "")
		var rc restoreChecks
		e.json(req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"phone": to, "code": e.restoreCode(to)}}, 200, &rc)
		if !slices.Equal(rc.Checks, []string{"pin", "face"}) || rc.Challenge == "" || rc.ExpiresAt == nil ||
			!rc.ExpiresAt.Equal(e.clock.Now().Add(account.ChallengeTTL)) {
			t.Fatalf("restore challenge = %+v, want pin and face with a 2-minute challenge", rc)
		}
		p, _ := e.refused(req{method: "POST", path: "/api/v1/auth/restore", body: map[string]string{"proof": rc.Proof, "pin": goodPIN}}, 400, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "image" {
			t.Errorf("restore without photo: errors %+v, want image", p.Errors)
		}
		fields := map[string]string{"proof": rc.Proof, "pin": goodPIN, "challenge": rc.Challenge}
		rec := e.multipartRestore(fields, facePNG(t, true))
		wantProblem(t, "restore with a non-matching face", rec, 403, "forbidden", "did not match")
		validateResponse(t, doc, "/api/v1/auth/restore", rec)
		rec = e.multipartRestore(fields, facePNG(t, false))
		wantProblem(t, "restore with a replayed challenge", rec, 403, "forbidden", "no longer valid")
		rec = e.multipartRestore(map[string]string{"proof": rc.Proof, "pin": goodPIN, "challenge": rc.Challenge}, []byte("not an image"))
		wantProblem(t, "restore with a non-image", rec, 400, "invalid", "JPEG")
		e.refused(req{method: "GET", path: "/api/v1/me", token: old.SessionToken}, 401, "unauthorized")

		e.json(req{method: "POST", path: "/api/v1/auth/restore/challenge", body: map[string]string{"proof": rc.Proof}}, 200, &rc)
		fields["challenge"] = rc.Challenge
		rec = e.multipartRestore(fields, facePNG(t, false))
		if rec.Code != 200 {
			t.Fatalf("restore with a matching face = %d %s", rec.Code, rec.Body)
		}
		validateResponse(t, doc, "/api/v1/auth/restore", rec)
		c, err := e.svc.Citizens.Get(e.ctx, old.CitizenID)
		if err != nil || c.Status != account.StatusActive || c.Assurance != account.AssuranceHigh {
			t.Fatalf("after restore: %+v, %v; want active at high", c, err)
		}
	})
}

// TestPagesRestoreCheck: after the code the restore pages ask for the PIN
// and, for a citizen with a confirmed birth date, the birth date (typed
// either way); a wrong one shows the step again with the reason.
func TestPagesRestoreCheck(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		to := phone(3)
		e.deletedAt(3, account.AssuranceStandard, birthDate)
		if rec := e.do(req{method: "GET", path: "/restore/check"}); rec.Code != 303 || location(t, rec).Path != "/restore" {
			t.Fatalf("GET /restore/check without a proof = %d, want 303 to /restore", rec.Code)
		}
		form := url.Values{"phone": {to}}
		if rec := e.do(req{method: "POST", path: "/restore/phone", body: form.Encode()}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `action="/restore/code"`) {
			t.Fatalf("POST /restore/phone = %d", rec.Code)
		}
		form.Set("code", e.code(to))
		rec := e.do(req{method: "POST", path: "/restore/code", body: form.Encode()})
		proof := cookie(rec, citizen.ProofCookie)
		if location(t, rec).Path != "/restore/check" || proof == nil {
			t.Fatalf("POST /restore/code: no proof cookie")
		}
		jar := []*http.Cookie{proof}
		rec = e.do(req{method: "GET", path: "/restore/check", cookies: jar, headers: inEnglish})
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, `name="pin"`) || !strings.Contains(body, `name="birth_date"`) || strings.Contains(body, `type="file"`) {
			t.Fatalf("GET /restore/check = %d, want the PIN and birth date fields and no photo:\n%s", rec.Code, body)
		}
		rec = e.do(req{method: "POST", path: "/restore/confirm", cookies: jar, headers: inEnglish,
			body: url.Values{"pin": {goodPIN}, "birth_date": {"18.05.1990"}}.Encode()})
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), "do not match") || !strings.Contains(rec.Body.String(), `name="birth_date"`) {
			t.Fatalf("POST /restore/confirm with a wrong birth date = %d:\n%s", rec.Code, rec.Body)
		}
		rec = e.do(req{method: "POST", path: "/restore/confirm", cookies: jar, headers: inEnglish,
			body: url.Values{"pin": {goodPIN}, "birth_date": {"17.05.1990"}}.Encode()})
		if c := cookie(rec, "digitalid_session"); rec.Code != 200 || c == nil || !strings.Contains(rec.Body.String(), "restore-done") {
			t.Fatalf("POST /restore/confirm = %d, session %v:\n%s", rec.Code, c, rec.Body)
		}
		rec = e.do(req{method: "POST", path: "/restore/confirm", cookies: jar, body: url.Values{"pin": {goodPIN}}.Encode()})
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), `action="/restore/phone"`) {
			t.Fatalf("POST /restore/confirm with a used proof = %d, want 401 and the first step", rec.Code)
		}
	})
}
