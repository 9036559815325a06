// Package presenttest builds what tests of presentations need: the present
// service over a real database with the real accounts, vault and credential
// services behind it, a clock tests move, and demo citizens with an
// issuer-confirmed passport.
package presenttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/present/credsource"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// IssuerID is the issuer the demo documents come from.
const IssuerID = "mvd"

// PublicURL is the platform URL of the credential service.
const PublicURL = "https://id.example.kz"

// Env is the present service and everything behind it.
type Env struct {
	DB          *store.DB
	Clock       *keystest.Clock
	Keys        *keys.Manager
	Audit       *audit.Log
	Vault       *vault.Service
	Accounts    *account.Service
	Credentials *credential.Service
	Present     *present.Service
	SMS         *Codes
	phones      atomic.Int64
}

// Codes is an SMS sender that keeps the last code per number.
type Codes struct {
	mu   sync.Mutex
	last map[string]string
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// Send implements sms.Sender.
func (c *Codes) Send(_ context.Context, m sms.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[m.To] = sixDigits.FindString(m.Body)
	return nil
}

// Code returns the last code texted to phone.
func (c *Codes) Code(phone string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last[phone]
}

// lateNotifier forwards the vault's notes to the credential service made
// after the vault.
type lateNotifier struct {
	svc atomic.Pointer[credential.Service]
}

func (n *lateNotifier) DocumentChanged(ctx context.Context, citizenID, docID, kind string) error {
	if s := n.svc.Load(); s != nil {
		return s.DocumentChanged(ctx, citizenID, docID, kind)
	}
	return nil
}

// Options change an Env.
type Options struct {
	// Accounts replaces the account service's config defaults (the clock,
	// store, keys and SMS are set by New).
	Accounts account.Config
}

// New builds an Env on db.
func New(t testing.TB, db *store.DB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{DB: db, Clock: keystest.NewClock(), SMS: &Codes{last: map[string]string{}}}
	backend, err := keys.NewFileBackend(bytes.Repeat([]byte{7}, 32))
	must(t, "keys.NewFileBackend", err)
	e.Keys, err = keys.NewManager(keys.Config{Store: db, Backend: backend, Now: e.Clock.Now})
	must(t, "keys.NewManager", err)
	must(t, "EnsureKeys", e.Keys.EnsureKeys(ctx))
	e.Audit, err = audit.New(db, bytes.Repeat([]byte{9}, 32), e.Clock.Now)
	must(t, "audit.New", err)
	reg, err := vault.NewRegistry()
	must(t, "vault.NewRegistry", err)
	ik, err := vault.LoadIndexKey(ctx, e.Keys)
	must(t, "LoadIndexKey", err)
	notes := &lateNotifier{}
	e.Vault, err = vault.NewService(db, e.Keys, reg, e.Audit, e.Clock.Now, nil, vault.Options{IndexKey: ik, Notifier: notes})
	must(t, "vault.NewService", err)
	ak, err := account.LoadKeys(ctx, e.Keys)
	must(t, "account.LoadKeys", err)
	ac := o.Accounts
	ac.Store, ac.Keys, ac.SMS, ac.Audit, ac.Clock = db, ak, e.SMS, e.Audit, e.Clock.Now
	if ac.PIN.Argon2.Time == 0 {
		ac.PIN.Argon2 = account.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}
	}
	if ac.Rates == nil {
		ac.Rates = map[string]account.Rate{account.BucketAuth: {Max: 100000, Window: time.Minute}}
	}
	e.Accounts, err = account.New(ac)
	must(t, "account.New", err)
	e.Credentials, err = credential.NewService(credential.Config{Store: db, Vault: e.Vault, Registry: reg, Accounts: e.Accounts,
		Keys: e.Keys, Audit: e.Audit, Clock: e.Clock.Now, PublicURL: PublicURL, StatusListSize: 1024})
	must(t, "credential.NewService", err)
	notes.svc.Store(e.Credentials)
	e.Present, err = present.New(present.Config{Store: db, Accounts: present.AccountsOf(e.Accounts),
		Credentials: credsource.New(e.Credentials), Offline: credsource.Offline(e.Credentials),
		Audit: e.Audit, SecretKey: bytes.Repeat([]byte{5}, 32), Clock: e.Clock.Now})
	must(t, "present.New", err)
	return e
}

func must(t testing.TB, call string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
}

// PIN is every test citizen's PIN.
const PIN = "193755"

// Phone returns a fresh Kazakh mobile number.
func (e *Env) Phone() string { return fmt.Sprintf("+7701%07d", 3000000+e.phones.Add(1)) }

// Citizen signs a new citizen up and returns them with their first device
// and session.
func (e *Env) Citizen(t testing.TB) account.SignInResult {
	t.Helper()
	ctx := context.Background()
	phone := e.Phone()
	_, err := e.Accounts.OTPs.RequestCode(ctx, account.CodeRequest{Phone: phone, Purpose: account.PurposeSignUp})
	must(t, "RequestCode", err)
	proof, err := e.Accounts.OTPs.Verify(ctx, phone, account.PurposeSignUp, e.SMS.Code(phone))
	must(t, "OTPs.Verify", err)
	res, err := e.Accounts.SignUp(ctx, account.SignUpRequest{OTPProof: proof.Token, PIN: PIN, DeviceName: "Phone"})
	must(t, "SignUp", err)
	return res
}

// Adult returns a new citizen at assurance high with an issuer-confirmed
// passport saying they were born on birth (YYYY-MM-DD).
func (e *Env) Adult(t testing.TB, birth string) account.SignInResult {
	t.Helper()
	c := e.Citizen(t)
	must(t, "SetAssurance", e.Accounts.Citizens.SetAssurance(context.Background(), c.Citizen.ID, account.AssuranceHigh))
	e.Push(t, c.Citizen.ID, "passport_ru", PassportRef(c.Citizen.ID), PassportFields(birth))
	return c
}

// PassportRef is the issuer's reference of the passport Adult pushes.
func PassportRef(citizenID string) string { return "pass-" + citizenID }

// PassportFields are a valid internal passport's fields; the name and
// numbers are what a verifier must never see.
func PassportFields(birth string) map[string]any {
	b, _ := time.Parse(time.DateOnly, birth)
	return map[string]any{"series": "4505", "number": "123456", "surname": "Иванова", "given_names": "Анна",
		"sex": "F", "birth_date": birth, "birth_place": "гор. Москва", "issue_date": b.AddDate(14, 1, 0).Format(time.DateOnly),
		"authority": "ОВД района Хамовники гор. Москвы", "division_code": "772-001"}
}

// Push stores a document from IssuerID under ref and returns its id.
func (e *Env) Push(t testing.TB, citizenID, typeID, ref string, fields map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(fields)
	must(t, "json.Marshal", err)
	d, _, err := e.Vault.UpsertFromIssuer(context.Background(), IssuerID, citizenID, typeID, raw, jws(raw), ref, "")
	must(t, "UpsertFromIssuer("+typeID+")", err)
	return d.ID
}

// Revoke revokes the document the issuer stored under ref.
func (e *Env) Revoke(t testing.TB, ref string) {
	t.Helper()
	_, err := e.Vault.RevokeFromIssuer(context.Background(), IssuerID, ref)
	must(t, "RevokeFromIssuer", err)
}

// jws returns a compact JWS-shaped string (the vault keeps it unverified).
func jws(body []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"ES256"}`)) + "." + enc.EncodeToString(body) + "." +
		enc.EncodeToString(bytes.Repeat([]byte{0xab}, 64))
}

// Verifier registers a verifier for purposes and returns it with its
// "<id>.<secret>" credentials.
func (e *Env) Verifier(t testing.TB, name string, purposes ...string) (present.Verifier, string) {
	t.Helper()
	v, cred, err := e.Present.AddVerifier(context.Background(), "test", name, purposes)
	must(t, "AddVerifier", err)
	return v, cred
}

// StudentFields are a valid student card's fields.
func StudentFields(group, validUntil string) map[string]any {
	return map[string]any{"number": "20-1234", "surname": "Сидоров", "given_names": "Иван",
		"institution": "КазНУ имени аль-Фараби", "study_form": "full_time",
		"speciality": "6B06101 Информатика", "group": group,
		"issue_date": "2024-09-01", "valid_until": validUntil}
}
