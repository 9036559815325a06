// Package credentialtest builds the credential service for tests of this
// and other packages (present, web): over a real database, with real keys,
// audit log, vault and accounts, a test clock and an SMS stand-in; it signs
// citizens up, pushes issuer documents and builds presentations as the
// wallet does.
package credentialtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/sdjwt"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/verify"
)

// Clock moves only when told to.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *Clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// codes is an SMS gateway stand-in that keeps the last code per number.
type codes struct {
	mu   sync.Mutex
	last map[string]string
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

func (c *codes) Send(_ context.Context, m sms.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[m.To] = sixDigits.FindString(m.Body)
	return nil
}

func (c *codes) code(phone string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last[phone]
}

// lateNotifier forwards the vault's notes to the credential service made
// after the vault, as the wiring in cmd/digitalid does.
type lateNotifier struct {
	svc atomic.Pointer[credential.Service]
}

func (n *lateNotifier) DocumentChanged(ctx context.Context, citizenID, docID, kind string) error {
	if s := n.svc.Load(); s != nil {
		return s.DocumentChanged(ctx, citizenID, docID, kind)
	}
	return nil
}

// Env is the credential service over a real database with real keys,
// audit log, vault and accounts, and a test clock.
type Env struct {
	DB       *store.DB
	Clock    *Clock
	Keys     *keys.Manager
	Audit    *audit.Log
	Registry *vault.Registry
	Vault    *vault.Service
	Accounts *account.Service
	Svc      *credential.Service
	sms      *codes
	phones   atomic.Int64
}

// T0 is when every Env starts.
func T0() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }

// PublicURL is the credential service's public URL (iss) in an Env.
const PublicURL = "https://id.example.ru"

// NewEnv builds the services over db, on a Clock at T0.
func NewEnv(t testing.TB, db *store.DB) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{DB: db, Clock: &Clock{t: T0()}, sms: &codes{last: map[string]string{}}}
	backend, err := keys.NewFileBackend(bytes.Repeat([]byte{7}, 32))
	Must(t, "keys.NewFileBackend", err)
	e.Keys, err = keys.NewManager(keys.Config{Store: db, Backend: backend, Now: e.Clock.Now})
	Must(t, "keys.NewManager", err)
	Must(t, "EnsureKeys", e.Keys.EnsureKeys(ctx))
	e.Audit, err = audit.New(db, bytes.Repeat([]byte{9}, 32), e.Clock.Now)
	Must(t, "audit.New", err)
	reg, err := vault.NewRegistry()
	Must(t, "vault.NewRegistry", err)
	e.Registry = reg
	ik, err := vault.LoadIndexKey(ctx, e.Keys)
	Must(t, "LoadIndexKey", err)
	notes := &lateNotifier{}
	e.Vault, err = vault.NewService(db, e.Keys, reg, e.Audit, e.Clock.Now, nil, vault.Options{IndexKey: ik, Notifier: notes})
	Must(t, "vault.NewService", err)
	ak, err := account.LoadKeys(ctx, e.Keys)
	Must(t, "account.LoadKeys", err)
	e.Accounts, err = account.New(account.Config{Store: db, Keys: ak, SMS: e.sms, Audit: e.Audit, Clock: e.Clock.Now,
		PIN:   account.PINConfig{Argon2: account.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}},
		Rates: map[string]account.Rate{account.BucketAuth: {Max: 10000, Window: time.Minute}}})
	Must(t, "account.New", err)
	e.Svc, err = credential.NewService(credential.Config{Store: db, Vault: e.Vault, Registry: reg, Accounts: e.Accounts,
		Keys: e.Keys, Audit: e.Audit, Clock: e.Clock.Now, PublicURL: PublicURL, StatusListSize: 1024})
	Must(t, "credential.NewService", err)
	notes.svc.Store(e.Svc)
	return e
}

// Must fails the test when err is not nil, naming the call.
func Must(t testing.TB, call string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
}

// Citizen signs a new citizen up and returns them with their first device
// and session.
func (e *Env) Citizen(t testing.TB) account.SignInResult {
	t.Helper()
	ctx := context.Background()
	phone := fmt.Sprintf("+7916%07d", e.phones.Add(1))
	_, err := e.Accounts.OTPs.RequestCode(ctx, account.CodeRequest{Phone: phone, Purpose: account.PurposeSignUp})
	Must(t, "RequestCode", err)
	proof, err := e.Accounts.OTPs.Verify(ctx, phone, account.PurposeSignUp, e.sms.code(phone))
	Must(t, "OTPs.Verify", err)
	res, err := e.Accounts.SignUp(ctx, account.SignUpRequest{OTPProof: proof.Token, PIN: "193755", DeviceName: "Phone"})
	Must(t, "SignUp", err)
	return res
}

// Adult returns a citizen born on birth with a confirmed passport and
// assurance high: eligible once 18.
func (e *Env) Adult(t testing.TB, birth string) account.SignInResult {
	t.Helper()
	c := e.Citizen(t)
	Must(t, "SetAssurance", e.Accounts.Citizens.SetAssurance(context.Background(), c.Citizen.ID, account.AssuranceHigh))
	e.Push(t, c.Citizen.ID, "passport_ru", "pass-"+c.Citizen.ID, PassportFields(birth))
	return c
}

// PassportFields are valid passport_ru fields of someone born on birth
// (YYYY-MM-DD), issued a month after their 14th birthday.
func PassportFields(birth string) map[string]any {
	b, _ := time.Parse(time.DateOnly, birth)
	return map[string]any{"series": "4505", "number": "123456", "surname": "Иванова", "given_names": "Анна",
		"sex": "F", "birth_date": birth, "birth_place": "гор. Москва", "issue_date": b.AddDate(14, 1, 0).Format(time.DateOnly),
		"authority": "ОВД района Хамовники гор. Москвы", "division_code": "772-001"}
}

// StudentFields are valid student_card fields.
func StudentFields(group, validUntil string) map[string]any {
	return map[string]any{"number": "20-1234", "surname": "Сидоров", "given_names": "Иван",
		"institution": "МГУ имени М. В. Ломоносова", "study_form": "full_time",
		"speciality": "01.03.02 Прикладная математика и информатика", "group": group,
		"issue_date": "2024-09-01", "valid_until": validUntil}
}

// Push stores a document from an issuer under ref and returns its id.
func (e *Env) Push(t testing.TB, citizenID, typeID, ref string, fields map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(fields)
	Must(t, "json.Marshal", err)
	d, _, err := e.Vault.UpsertFromIssuer(context.Background(), "mvd", citizenID, typeID, raw, jws(raw), ref, "")
	Must(t, "UpsertFromIssuer("+typeID+")", err)
	return d.ID
}

// jws returns a compact JWS-shaped string (the vault keeps it, unverified).
func jws(body []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"ES256"}`)) + "." + enc.EncodeToString(body) + "." +
		enc.EncodeToString(bytes.Repeat([]byte{0xab}, 64))
}

// HolderKeys makes n device keys, private and public halves.
func HolderKeys(t testing.TB, n int) ([]*ecdsa.PrivateKey, []*ecdsa.PublicKey) {
	t.Helper()
	priv := make([]*ecdsa.PrivateKey, n)
	pub := make([]*ecdsa.PublicKey, n)
	for i := range n {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		Must(t, "ecdsa.GenerateKey", err)
		priv[i], pub[i] = k, &k.PublicKey
	}
	return priv, pub
}

// Present builds the offline QR payload of a credential for purpose, as
// the wallet does: only the purpose's Disclosures and a KB-JWT with
// aud = purpose, a random nonce and iat = now.
func Present(t testing.TB, cred string, holder *ecdsa.PrivateKey, purpose string, now time.Time) string {
	t.Helper()
	sd, err := sdjwt.Parse(cred)
	Must(t, "sdjwt.Parse", err)
	var paths []sdjwt.Path
	for _, c := range verify.DefaultPurposes()[purpose] {
		paths = append(paths, sdjwt.Path{c})
	}
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	p, err := sdjwt.Present(sd, sdjwt.Select(paths...), &sdjwt.KeyBindingOptions{Signer: holder, Aud: purpose,
		Nonce: base64.RawURLEncoding.EncodeToString(nonce), IssuedAt: now})
	Must(t, "sdjwt.Present", err)
	return verify.FormatPayload(p)
}

// WantCode fails the test unless err has code and, when key is set, that
// i18n key.
func WantCode(t testing.TB, call string, err error, code, key string) {
	t.Helper()
	var de *digitalid.Error
	if digitalid.ErrorCode(err) != code {
		t.Errorf("%s = %v, want %s", call, err, code)
		return
	}
	if key != "" {
		if !errors.As(err, &de) || de.Key != key {
			t.Errorf("%s = %v, want key %s", call, err, key)
		}
	}
}
