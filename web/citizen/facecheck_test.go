package citizen_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/citizen"
)

// refusingBiometric is a face-matching service that matches nobody, as a
// real one refusing a face would.
type refusingBiometric struct{}

func (refusingBiometric) Match(context.Context, account.MatchRequest) (account.MatchResult, error) {
	return account.MatchResult{Matched: false, Score: 0.2, Liveness: true, Reason: "test_refused"}, nil
}

// withProofingOf wires a Proofing over bio and hands it to the test.
func withProofingOf(bio account.Biometric, out **account.Proofing) func(e *env, d *citizen.Deps) {
	return func(e *env, d *citizen.Deps) {
		p, err := account.NewProofing(account.ProofingConfig{Store: e.db, Citizens: e.svc.Citizens, Audit: e.audit,
			Biometric: bio, Clock: e.clock.Now})
		if err != nil {
			e.t.Fatalf("NewProofing = %v", err)
		}
		d.Proofing = p
		if out != nil {
			*out = p
		}
	}
}

func (e *env) videoChallenge(token string) string {
	e.t.Helper()
	var c struct{ Challenge string }
	e.json(req{method: "POST", path: "/api/v1/identity/challenge", token: token, body: map[string]string{"purpose": "video"}}, 200, &c)
	return c.Challenge
}

func TestFacecheckPageOffersBothChecks(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{deps: withProofing})
	s := e.standardCitizen(740)
	for lang, want := range map[string]string{"ru": "Видеопроверка с камерой", "kk": "Камерамен бейнетексеру", "en": "Video check with your camera"} {
		rec := e.do(req{method: "GET", path: "/account/identity", token: s.SessionToken, headers: []string{"Accept-Language: " + lang}})
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("GET /account/identity (%s) = %d", lang, rec.Code)
		}
		for _, part := range []string{want, `id="facecheck"`, `id="facecheck-start"`, `id="facecheck-take"`, `/static/facecheck.`,
			`id="upload-photo"`, `capture="user"`, `name="challenge"`} {
			if !strings.Contains(body, part) {
				t.Errorf("GET /account/identity (%s): no %s", lang, part)
			}
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("GET /account/identity (%s): an inline script", lang)
		}
	}

	basic := e.signUp(phone(741))
	body := e.do(req{method: "GET", path: "/account/identity", token: basic.SessionToken}).Body.String()
	if strings.Contains(body, `id="facecheck"`) || strings.Contains(body, "facecheck.") && strings.Contains(body, "<script") {
		t.Error("GET /account/identity at basic offers the video check")
	}
}

func TestFacecheckNotConfigured(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{})
	s := e.standardCitizen(742)
	rec := e.do(req{method: "GET", path: "/account/identity", token: s.SessionToken})
	if rec.Code != 200 || strings.Contains(rec.Body.String(), `id="facecheck"`) || !strings.Contains(rec.Body.String(), `id="not-configured"`) {
		t.Fatalf("GET /account/identity (not configured) = %d, want 200 without the video check", rec.Code)
	}
}

// TestFacecheckVideoFailureAPI is the video check over the API: a bad
// purpose, a failure that blocks for 15 minutes and queues a review, the
// page while blocked, a replayed challenge, and the operator's approval.
func TestFacecheckVideoFailureAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		var p *account.Proofing
		dev, _ := account.NewDevelopmentBiometric(true)
		e := newEnv(t, db, options{deps: withProofingOf(dev, &p)})
		doc := servedOpenAPI(t, e)
		s := e.standardCitizen(750)

		pr, rec := e.refused(req{method: "POST", path: "/api/v1/identity/challenge", token: s.SessionToken, body: map[string]string{"purpose": "selfie"}}, 400, "invalid")
		if len(pr.Errors) != 1 || pr.Errors[0].Field != "purpose" {
			t.Errorf("bad purpose: errors %+v, want one on purpose", pr.Errors)
		}
		validateResponse(t, doc, "/api/v1/identity/challenge", rec)
		e.refused(req{method: "POST", path: "/api/v1/identity/challenge", token: s.SessionToken, body: `purpose=video`}, 400, "invalid")

		c := e.videoChallenge(s.SessionToken)
		rec = e.upload("/api/v1/identity/biometric", s.SessionToken, c, facePNG(t, true))
		if rec.Code != 423 || rec.Header().Get("Retry-After") != "900" || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("failed video check = %d %q %s, want 423 problem+json with Retry-After 900", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		// The failure itself says it went to review, apart from "too many attempts".
		if !strings.Contains(rec.Body.String(), "оператору на рассмотрение") {
			t.Errorf("failed video check: detail %s, want the review text of account.proofing.video_failed", rec.Body)
		}
		validateResponse(t, doc, "/api/v1/identity/biometric", rec)
		rec = e.upload("/api/v1/identity/biometric", s.SessionToken, c, facePNG(t, false))
		if rec.Code != 403 && rec.Code != 423 {
			t.Fatalf("replayed video challenge = %d %s, want a refusal", rec.Code, rec.Body)
		}
		if _, rec := e.refused(req{method: "POST", path: "/api/v1/identity/challenge", token: s.SessionToken, body: map[string]string{"purpose": "video"}}, 423, "locked"); rec.Header().Get("Retry-After") == "" {
			t.Error("challenge while blocked: no Retry-After")
		}

		rec = e.do(req{method: "GET", path: "/account/identity", token: s.SessionToken, headers: []string{"Accept-Language: en"}})
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, `id="locked"`) || !strings.Contains(body, "blocked until 22.11.2026 10:15 UTC") {
			t.Fatalf("GET /account/identity while blocked = %d, want the block's end:\n%s", rec.Code, body)
		}
		if strings.Contains(body, `id="facecheck"`) || strings.Contains(body, `name="challenge"`) {
			t.Error("GET /account/identity while blocked still offers a check")
		}

		reviews, err := p.ReviewQueue(e.ctx, 0)
		if err != nil || len(reviews) != 1 || reviews[0].CitizenID != s.CitizenID || reviews[0].Purpose != account.PurposeVideo {
			t.Fatalf("ReviewQueue = %+v, %v; want the failed video check", reviews, err)
		}
		if d, err := p.DecideReview(e.ctx, "op1", reviews[0].ID, true); err != nil || !d.Raised {
			t.Fatalf("DecideReview(approve) = %+v, %v", d, err)
		}
		rec = e.do(req{method: "GET", path: "/account/identity", token: s.SessionToken, headers: []string{"Accept-Language: en"}})
		if !strings.Contains(rec.Body.String(), `<strong id="assurance">High</strong>`) || strings.Contains(rec.Body.String(), `id="locked"`) {
			t.Fatalf("GET /account/identity after approval: not High or still blocked:\n%s", rec.Body)
		}
	})
}

// TestFacecheckUploadFormStaysProofing: the no-JavaScript form spends a
// proofing challenge, so one failed upload neither blocks for 15 minutes
// nor reaches the review queue.
func TestFacecheckUploadFormStaysProofing(t *testing.T) {
	var p *account.Proofing
	dev, _ := account.NewDevelopmentBiometric(true)
	e := newEnv(t, testdb.SQLite(t), options{deps: withProofingOf(dev, &p)})
	s := e.standardCitizen(755)
	body := e.do(req{method: "GET", path: "/account/identity", token: s.SessionToken}).Body.String()
	i := strings.Index(body, `name="challenge" value="`)
	if i < 0 {
		t.Fatal("no upload form")
	}
	challenge, _, _ := strings.Cut(body[i+len(`name="challenge" value="`):], `"`)
	rec := e.upload("/account/identity", s.SessionToken, challenge, facePNG(t, true))
	if rec.Code != 403 || strings.Contains(rec.Body.String(), `id="locked"`) || !strings.Contains(rec.Body.String(), `id="facecheck"`) {
		t.Fatalf("POST /account/identity (no match) = %d, want 403 with both checks still offered", rec.Code)
	}
	if reviews, _ := p.ReviewQueue(e.ctx, 0); len(reviews) != 0 {
		t.Errorf("a failed upload was queued for review: %+v", reviews)
	}
}

func TestFacecheckHomeNextStep(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), options{deps: withProofing})
	s := e.signUp(phone(760))
	for _, tc := range []struct {
		level      account.Assurance
		want, link string
	}{
		{account.AssuranceBasic, "confirm your passport", `href="/documents/new?type=passport_ru"`},
		{account.AssuranceStandard, "short video check", `href="/account/identity"`},
		{account.AssuranceHigh, "nothing more to do", ""},
	} {
		if err := e.svc.Citizens.SetAssurance(e.ctx, s.CitizenID, tc.level); err != nil {
			t.Fatal(err)
		}
		rec := e.do(req{method: "GET", path: "/account", token: s.SessionToken, headers: []string{"Accept-Language: en"}})
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, `id="next-step" data-level="`+string(tc.level)+`"`) || !strings.Contains(body, tc.want) {
			t.Fatalf("GET /account at %s = %d, want the next step %q:\n%s", tc.level, rec.Code, tc.want, body)
		}
		if has := strings.Contains(body, `id="next-step-link"`); has != (tc.link != "") || tc.link != "" && !strings.Contains(body, tc.link) {
			t.Errorf("GET /account at %s: next-step link %v, want %q", tc.level, has, tc.link)
		}
	}
	for lang, want := range map[string]string{"ru": "Ваш уровень идентификации", "kk": "Сәйкестендіру деңгейіңіз"} {
		if body := e.do(req{method: "GET", path: "/account", token: s.SessionToken, headers: []string{"Accept-Language: " + lang}}).Body.String(); !strings.Contains(body, want) {
			t.Errorf("GET /account (%s): no %q", lang, want)
		}
	}
}

// TestFacecheckJSSyntax parses facecheck.js with Node when it is installed;
// the browser tests run it in Chromium.
func TestFacecheckJSSyntax(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	if out, err := exec.Command(node, "--check", "../static/facecheck.js").CombinedOutput(); err != nil {
		t.Fatalf("node --check facecheck.js: %v\n%s", err, out)
	}
}
