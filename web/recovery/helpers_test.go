package recovery_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/apitest"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
	recoveryweb "github.com/digitalid/digitalid/web/recovery"
	"github.com/go-jose/go-jose/v4"
)

// env is the citizen and recovery routes on a real web.Server over a real
// database, with the SMS outbox as sender (tests read codes from it, as a
// person reads their phone) and a clock tests move.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	clock  *keystest.Clock
	outbox *sms.Outbox
	audit  *audit.Log
	acc    *account.Service
	rec    *recovery.Service
	srv    *web.Server
	proof  *account.Proofing // with the development Biometric unless newEnvBio says otherwise
}

func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

type noKeys struct{}

func (noKeys) JWKS(context.Context) (jose.JSONWebKeySet, error) { return jose.JSONWebKeySet{}, nil }

const goodPIN, newPIN = "2791", "8305"

func newEnv(t testing.TB, db *store.DB, publicURL string) *env {
	t.Helper()
	dev, err := account.NewDevelopmentBiometric(true)
	if err != nil {
		t.Fatalf("NewDevelopmentBiometric: %v", err)
	}
	return newEnvBio(t, db, publicURL, dev)
}

// newEnvBio is newEnv with bio as the Biometric service (nil: none).
func newEnvBio(t testing.TB, db *store.DB, publicURL string, bio account.Biometric) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, clock: keystest.NewClock()}
	var err error
	if e.outbox, err = sms.NewOutbox(db, randomKey(), e.clock.Now, nil); err != nil {
		t.Fatalf("sms.NewOutbox: %v", err)
	}
	if e.audit, err = audit.New(db, randomKey(), e.clock.Now); err != nil {
		t.Fatalf("audit.New: %v", err)
	}
	passkey, err := account.PasskeyConfigFromURL(publicURL)
	if err != nil || net.ParseIP(passkey.RPID) != nil {
		passkey = account.PasskeyConfig{} // WebAuthn needs a domain: passkeys stay off on 127.0.0.1
	}
	e.acc, err = account.New(account.Config{
		Passkey: passkey,
		Store:   db, SMS: e.outbox, Audit: e.audit, Clock: e.clock.Now,
		Keys:  account.Keys{PhoneIndex: randomKey(), PhoneSeal: randomKey(), OTP: randomKey(), IPIndex: randomKey()},
		PIN:   account.PINConfig{Argon2: account.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}},
		Rates: map[string]account.Rate{account.BucketAuth: {Max: 100000, Window: time.Minute}},
	})
	if err != nil {
		t.Fatalf("account.New: %v", err)
	}
	if e.proof, err = account.NewProofing(account.ProofingConfig{Store: db, Citizens: e.acc.Citizens, Audit: e.audit,
		Biometric: bio, Clock: e.clock.Now}); err != nil {
		t.Fatalf("NewProofing: %v", err)
	}
	e.rec, err = recovery.New(recovery.Config{Store: db, Accounts: e.acc, SMS: e.outbox, Audit: e.audit, Clock: e.clock.Now, Proofing: e.proof,
		Keys:       recovery.Keys{Seal: randomKey(), Code: randomKey(), PhoneIndex: randomKey()},
		Background: func(f func()) { f() }})
	if err != nil {
		t.Fatalf("recovery.New: %v", err)
	}
	e.acc.SetCoolingOff(e.rec)
	logger := slog.New(slog.DiscardHandler)
	e.srv, err = web.New(web.Config{PublicURL: publicURL, Version: "test"}, web.Deps{Logger: logger, DB: db, Keys: noKeys{}, Clock: e.clock.Now})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if err := citizen.Register(e.srv, citizen.Deps{Accounts: e.acc, Logger: logger, Clock: e.clock.Now}); err != nil {
		t.Fatalf("citizen.Register: %v", err)
	}
	if err := recoveryweb.Register(e.srv, recoveryweb.Deps{Recovery: e.rec, Accounts: e.acc, Logger: logger, Clock: e.clock.Now}); err != nil {
		t.Fatalf("recovery.Register: %v", err)
	}
	return e
}

// person is a citizen with a session.
type person struct {
	ID, Phone, Token string
	Session          account.Session
}

// phone returns a valid Kazakh mobile number, distinct for each n.
func phone(n int) string { return fmt.Sprintf("+7701%07d", 3000000+n) }

// person signs up the number n and, when age > 0, confirms the identity
// (birth date age years ago, assurance level).
func (e *env) person(n, age int, level account.Assurance) person {
	e.t.Helper()
	to := phone(n)
	if _, err := e.acc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: to, Purpose: account.PurposeSignUp, Lang: "en"}); err != nil {
		e.t.Fatalf("RequestCode(%s) = %v", to, err)
	}
	p, err := e.acc.OTPs.Verify(e.ctx, to, account.PurposeSignUp, e.code(to))
	if err != nil {
		e.t.Fatalf("Verify(%s) = %v", to, err)
	}
	res, err := e.acc.SignUp(e.ctx, account.SignUpRequest{OTPProof: p.Token, PIN: goodPIN, Lang: "en", DeviceName: "Test"})
	if err != nil {
		e.t.Fatalf("SignUp(%s) = %v", to, err)
	}
	e.confirm(res.Citizen.ID, age, level)
	return person{ID: res.Citizen.ID, Phone: to, Token: res.SessionToken, Session: res.Session}
}

// confirm gives a citizen a confirmed birth date age years ago and level.
func (e *env) confirm(id string, age int, level account.Assurance) {
	e.t.Helper()
	if age > 0 {
		if err := e.acc.Citizens.SetBirthDate(e.ctx, id, e.clock.Now().AddDate(-age, 0, -1)); err != nil {
			e.t.Fatalf("SetBirthDate = %v", err)
		}
	}
	if err := e.acc.Citizens.SetAssurance(e.ctx, id, level); err != nil {
		e.t.Fatalf("SetAssurance = %v", err)
	}
}

// req is one request to the server.
type req struct {
	method, path string
	body         any // JSON-encoded unless a string or []byte (sent raw as JSON)
	token        string
	ip           string
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.serve(r)
}

// serve is do without test helpers, for fuzz targets (which must not call
// the F's methods).
func (e *env) serve(r req) *httptest.ResponseRecorder {
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		body = bytes.NewReader(j)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.RemoteAddr = "192.0.2.7:40000"
	if r.ip != "" {
		hr.RemoteAddr = r.ip + ":40000"
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	hr.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36")
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// json sends r, fails unless the status is want, and decodes into out.
func (e *env) json(r req, want int, out any) {
	e.t.Helper()
	apitest.Decode(e.t, r.method+" "+r.path, e.do(r), want, out)
}

type problem = apitest.Problem

// refused sends r and expects a problem with status and code.
func (e *env) refused(r req, status int, code string) problem {
	e.t.Helper()
	return apitest.Refused(e.t, r.method+" "+r.path, e.do(r), status, code)
}

// code returns the one-time code last texted to to.
func (e *env) code(to string) string {
	e.t.Helper()
	return apitest.Code(e.t, e.ctx, e.outbox, to)
}

// purposes lists the purposes of the messages texted to to, oldest first.
func (e *env) purposes(to string) []string {
	e.t.Helper()
	list, err := e.outbox.List(e.ctx, sms.ListOptions{To: to, Limit: sms.MaxListLimit})
	if err != nil {
		e.t.Fatalf("outbox.List: %v", err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Purpose)
	}
	return out
}

func (e *env) lastPurpose(to string) string {
	e.t.Helper()
	p := e.purposes(to)
	if len(p) == 0 {
		return ""
	}
	return p[len(p)-1]
}

// link makes contact the active trusted contact of c through the API and
// returns the relationship id.
func (e *env) link(c, contact person) string {
	e.t.Helper()
	var inv struct{ ID string }
	e.json(req{method: "POST", path: "/api/v1/me/trusted-contacts", token: c.Token, body: map[string]string{"name": "Friend", "phone": contact.Phone}}, 202, &inv)
	e.json(req{method: "POST", path: "/api/v1/me/trusted-by/" + inv.ID + "/accept", token: contact.Token}, 204, nil)
	return inv.ID
}

// started is a recovery request as its browser holds it.
type started struct {
	ID, Handle string
}

// startRecovery asks for a recovery code for c over the API and starts.
func (e *env) startRecovery(c person) started {
	e.t.Helper()
	e.json(req{method: "POST", path: "/api/v1/recovery/code", body: map[string]string{"phone": c.Phone}}, 202, nil)
	var st started
	e.json(req{method: "POST", path: "/api/v1/recovery/requests", body: map[string]string{"phone": c.Phone, "code": e.code(c.Phone), "reason": "pin"}}, 201, &st)
	if st.ID == "" || st.Handle == "" {
		e.t.Fatalf("start: no id or handle")
	}
	return st
}

func (e *env) status(st started) string {
	e.t.Helper()
	var s struct{ Status string }
	e.json(req{method: "GET", path: "/api/v1/recovery/requests/" + st.ID, token: st.Handle}, 200, &s)
	return s.Status
}

// approve sends the contact a code and approves with it.
func (e *env) approve(contact person, st started) {
	e.t.Helper()
	e.json(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st.ID + "/code", token: contact.Token}, 202, nil)
	e.json(req{method: "POST", path: "/api/v1/me/recovery-approvals/" + st.ID + "/approve", token: contact.Token,
		body: map[string]string{"code": e.code(contact.Phone)}}, 204, nil)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func recoveryInvitation(phone string) recovery.Invitation {
	return recovery.Invitation{Name: "Friend", Phone: phone}
}
