package citizen_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/getkin/kin-openapi/openapi3"
)

// withProofing wires a Proofing with the development provider.
func withProofing(e *env, d *citizen.Deps) {
	dev, err := account.NewDevelopmentBiometric(true)
	if err != nil {
		e.t.Fatalf("NewDevelopmentBiometric(true) = %v", err)
	}
	p, err := account.NewProofing(account.ProofingConfig{Store: e.db, Citizens: e.svc.Citizens, Audit: e.audit,
		Biometric: dev, Clock: e.clock.Now})
	if err != nil {
		e.t.Fatalf("NewProofing = %v", err)
	}
	d.Proofing = p
}

// facePNG is a 240×240 gradient; reject marks DevelopmentBiometric's
// "reject" pattern (a pure red top-left pixel).
func facePNG(t testing.TB, reject bool) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 240, 240))
	for y := range 240 {
		for x := range 240 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	if reject {
		img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a multipart challenge+image to path with the bearer token.
func (e *env) upload(path, token, challenge string, img []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("challenge", challenge)
	fw, _ := mw.CreateFormFile("image", "face.png")
	_, _ = fw.Write(img)
	_ = mw.Close()
	hr := httptest.NewRequest("POST", path, &body)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.Header.Set("Authorization", "Bearer "+token)
	hr.RemoteAddr = "192.0.2.1:40000"
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// standardCitizen signs up over the API and raises the level to standard,
// as a confirmed passport would.
func (e *env) standardCitizen(n int) signedIn {
	e.t.Helper()
	s := e.signUp(phone(n))
	if err := e.svc.Citizens.SetAssurance(e.ctx, s.CitizenID, account.AssuranceStandard); err != nil {
		e.t.Fatalf("SetAssurance(standard) = %v", err)
	}
	return s
}

func (e *env) proofingChallenge(token string) string {
	e.t.Helper()
	var c struct{ Challenge string }
	e.json(req{method: "POST", path: "/api/v1/identity/challenge", token: token}, 200, &c)
	return c.Challenge
}

func TestProofingAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{deps: withProofing})
		doc := servedOpenAPI(t, e)
		basic := e.signUp(phone(700))
		_, rec := e.refused(req{method: "POST", path: "/api/v1/identity/challenge", token: basic.SessionToken}, 403, "forbidden")
		validateResponse(t, doc, "/api/v1/identity/challenge", rec)

		s := e.standardCitizen(701)
		rec = e.json(req{method: "POST", path: "/api/v1/identity/challenge", token: s.SessionToken, body: map[string]string{"purpose": "proofing"}}, 200, nil)
		validateResponse(t, doc, "/api/v1/identity/challenge", rec)
		var c struct{ Challenge string }
		_ = json.Unmarshal(rec.Body.Bytes(), &c)

		rec = e.upload("/api/v1/identity/biometric", s.SessionToken, c.Challenge, []byte("not an image"))
		if rec.Code != 400 {
			t.Fatalf("POST /api/v1/identity/biometric (not an image) = %d %s, want 400", rec.Code, rec.Body)
		}
		rec = e.upload("/api/v1/identity/biometric", s.SessionToken, c.Challenge, facePNG(t, false))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"assurance":"high"`) {
			t.Fatalf("POST /api/v1/identity/biometric (match) = %d %s, want 200 high", rec.Code, rec.Body)
		}
		validateResponse(t, doc, "/api/v1/identity/biometric", rec)
		rec = e.upload("/api/v1/identity/biometric", s.SessionToken, c.Challenge, facePNG(t, false))
		if rec.Code != 409 && rec.Code != 403 {
			t.Fatalf("POST /api/v1/identity/biometric (replay) = %d %s, want a refusal", rec.Code, rec.Body)
		}
		for _, r := range e.srv.APIRoutes() {
			if strings.HasPrefix(r.Path, "/api/v1/identity") && (doc.Paths.Value(r.Path) == nil || doc.Paths.Value(r.Path).GetOperation(r.Method) == nil) {
				t.Errorf("route %s is not in openapi-proofing.json", r)
			}
		}
	})
}

func TestProofingAPILocksAfterTenFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{deps: withProofing})
		s := e.standardCitizen(710)
		for i := 1; i <= account.MaxBiometricAttempts; i++ {
			rec := e.upload("/api/v1/identity/biometric", s.SessionToken, e.proofingChallenge(s.SessionToken), facePNG(t, true))
			want := 403
			if i == account.MaxBiometricAttempts {
				want = 423
			}
			if rec.Code != want {
				t.Fatalf("attempt %d: POST /api/v1/identity/biometric = %d %s, want %d", i, rec.Code, rec.Body, want)
			}
			if i == account.MaxBiometricAttempts && rec.Header().Get("Retry-After") != "600" {
				t.Fatalf("10th failure: Retry-After = %q, want 600", rec.Header().Get("Retry-After"))
			}
		}
		_, rec := e.refused(req{method: "POST", path: "/api/v1/identity/challenge", token: s.SessionToken}, 423, "locked")
		if rec.Header().Get("Retry-After") == "" {
			t.Fatal("challenge while locked: no Retry-After")
		}
	})
}

func TestProofingNotConfiguredAPI(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	s := e.standardCitizen(720)
	e.refused(req{method: "POST", path: "/api/v1/identity/challenge", token: s.SessionToken}, 503, "unavailable")
	rec := e.do(req{method: "GET", path: "/account/identity", token: s.SessionToken})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="not-configured"`) {
		t.Fatalf("GET /account/identity (not configured) = %d, want 200 saying so", rec.Code)
	}
}

func TestIdentityPage(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{deps: withProofing})
	s := e.standardCitizen(730)
	rec := e.do(req{method: "GET", path: "/account/identity", token: s.SessionToken, headers: []string{"Accept-Language: ru"}})
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `capture="user"`) || !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, "Стандартный") {
		t.Fatalf("GET /account/identity = %d, want the Russian upload form:\n%s", rec.Code, body)
	}
	i := strings.Index(body, `name="challenge" value="`)
	if i < 0 {
		t.Fatal("GET /account/identity: no challenge field")
	}
	challenge, _, _ := strings.Cut(body[i+len(`name="challenge" value="`):], `"`)
	rec = e.upload("/account/identity", s.SessionToken, challenge, facePNG(t, true))
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), `id="form-error"`) || !strings.Contains(rec.Body.String(), `name="challenge"`) {
		t.Fatalf("POST /account/identity (no match) = %d, want 403 with the error and a new form", rec.Code)
	}
	i = strings.Index(rec.Body.String(), `name="challenge" value="`)
	challenge, _, _ = strings.Cut(rec.Body.String()[i+len(`name="challenge" value="`):], `"`)
	rec = e.upload("/account/identity", s.SessionToken, challenge, facePNG(t, false))
	if loc := rec.Header().Get("Location"); rec.Code != 303 || loc != "/account/identity?msg=high" {
		t.Fatalf("POST /account/identity (match) = %d %q, want 303 to ?msg=high", rec.Code, loc)
	}
	rec = e.do(req{method: "GET", path: "/account/identity?msg=high", token: s.SessionToken, headers: []string{"Accept-Language: en"}})
	if !strings.Contains(rec.Body.String(), `<strong id="assurance">High</strong>`) {
		t.Fatalf("GET /account/identity after match: level is not High:\n%s", rec.Body)
	}
}

// validateResponse checks a POST answer against the document.
func validateResponse(t *testing.T, doc *openapi3.T, template string, rec *httptest.ResponseRecorder) {
	t.Helper()
	apitest.ValidateAnswer(t, doc, apitest.Recorded("POST", template, template, nil, rec))
}
