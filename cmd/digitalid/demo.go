package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/go-jose/go-jose/v4"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/present"
)

// The demo data `serve --demo` seeds, so that a newcomer can try every flow
// in a browser at once. The PIN is public: the demo refuses to run on
// anything but a loopback listener.
const (
	demoPIN      = "7391"
	demoIssuerID = "demo-registry"
	demoKeyName  = "demo-issuer-key"
)

// demoCitizen is one seeded citizen: a phone, the assurance level it ends
// at, and the issuer-confirmed documents pushed for it.
type demoCitizen struct {
	Phone     string
	Lang      string
	Assurance account.Assurance
	Docs      []demoDoc
}

type demoDoc struct {
	Type   string
	Ref    string
	Fields map[string]any
}

// demoCitizens are an adult with a passport, a student card and a large
// family (everything "Show ID" can prove) at level high, and a 16-year-old
// at standard (too young for a digital ID, old enough to name a trusted
// contact).
func demoCitizens() []demoCitizen {
	adultPassport := map[string]any{"series": "45 05", "number": "123456", "surname": "Демоева", "given_names": "Айгерим",
		"patronymic": "Сергеевна", "sex": "F", "birth_date": "1990-05-17", "birth_place": "гор. Москва",
		"issue_date": "2010-06-01", "authority": "ОВД района Хамовники гор. Москвы", "division_code": "772-001"}
	student := map[string]any{"number": "20-1234", "surname": "Демоева", "given_names": "Айгерим", "patronymic": "Сергеевна",
		"institution": "МГУ имени М. В. Ломоносова", "study_form": "part_time",
		"speciality": "01.03.02 Прикладная математика и информатика", "group": "ПМИ-201",
		"issue_date": "2024-09-01", "valid_until": "2030-08-31"}
	family := map[string]any{"number": "77-123456", "surname": "Демоева", "given_names": "Айгерим", "patronymic": "Сергеевна",
		"children": []map[string]string{
			{"name": "Демоев Иван Петрович", "birth_date": "2013-05-01"},
			{"name": "Демоева Мария Петровна", "birth_date": "2016-02-29"},
			{"name": "Демоев Илья Петрович", "birth_date": "2020-11-30"}},
		"issue_date": "2021-03-01", "valid_until": "2036-05-01",
		"authority": "Департамент труда и социальной защиты населения города Москвы"}
	teenPassport := map[string]any{"series": "45 24", "number": "654321", "surname": "Демоев", "given_names": "Тимур",
		"patronymic": "Петрович", "sex": "M", "birth_date": "2010-03-01", "birth_place": "гор. Москва",
		"issue_date": "2024-03-15", "authority": "ГУ МВД России по г. Москве", "division_code": "770-002"}
	return []demoCitizen{
		{Phone: "+77000000018", Lang: "ru", Assurance: account.AssuranceHigh, Docs: []demoDoc{
			{Type: "passport_ru", Ref: "demo-passport-18", Fields: adultPassport},
			{Type: "student_card", Ref: "demo-student-18", Fields: student},
			{Type: "large_family_certificate", Ref: "demo-family-18", Fields: family}}},
		{Phone: "+77000000016", Lang: "ru", Assurance: account.AssuranceStandard, Docs: []demoDoc{
			{Type: "passport_ru", Ref: "demo-passport-16", Fields: teenPassport}}},
	}
}

// checkDemoAddr refuses --demo unless the service listens on loopback only:
// the demo citizens' PIN is printed in the README.
func checkDemoAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--demo: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--demo seeds accounts with a published PIN and runs only on a loopback address, not %q", addr)
	}
	return nil
}

// demoVerifierName names the demo verifier, allowed every purpose.
const demoVerifierName = "Demo shop (development only)"

// seedDemo creates the demo issuer, verifier and citizens unless they
// exist, pushing the documents through the real issuer flow (signed,
// validated, audited). It is idempotent: a second start changes nothing.
// It returns the demo verifier's API credentials when it has just created
// it (they are shown once, as by `admin verifier add`), else "".
func (a *app) seedDemo(ctx context.Context) (verifierCredentials string, err error) {
	key, err := a.demoIssuerKey(ctx)
	if err != nil {
		return "", err
	}
	iss, err := a.demoIssuer(ctx, key)
	if err != nil {
		return "", err
	}
	for _, c := range demoCitizens() {
		if err := a.seedDemoCitizen(ctx, iss, key, c); err != nil {
			return "", fmt.Errorf("demo citizen %s: %w", c.Phone, err)
		}
	}
	if verifierCredentials, err = a.demoVerifier(ctx); err != nil {
		return "", err
	}
	a.log.Info("demo data ready", "citizens", len(demoCitizens()), "issuer", demoIssuerID, "verifier", demoVerifierName)
	return verifierCredentials, nil
}

// demoVerifier registers the demo verifier for every purpose unless a
// verifier of that name exists, returning the new credentials.
func (a *app) demoVerifier(ctx context.Context) (string, error) {
	vs, err := a.present.Verifiers(ctx)
	if err != nil {
		return "", err
	}
	for _, v := range vs {
		if v.Name == demoVerifierName {
			return "", nil
		}
	}
	_, cred, err := a.present.AddVerifier(ctx, "demo", demoVerifierName, present.PurposeNames())
	return cred, err
}

// demoIssuerKey is the demo registry's P-256 signing key, derived from a
// platform secret so that it is the same on every start and instance.
func (a *app) demoIssuerKey(ctx context.Context) (*ecdsa.PrivateKey, error) {
	seed, err := a.keys.LoadOrCreateSecret(ctx, demoKeyName)
	if err != nil {
		return nil, fmt.Errorf("demo issuer key: %w", err)
	}
	for i := 0; i < 8; i++ { // a 32-byte value is a valid scalar but for odds of 2^-32
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed)
		if err == nil {
			return k, nil
		}
		sum := sha256.Sum256(seed)
		seed = sum[:]
	}
	return nil, errors.New("demo issuer key: no valid scalar")
}

func (a *app) demoIssuer(ctx context.Context, key *ecdsa.PrivateKey) (issuer.Issuer, error) {
	iss, err := a.issuers.Get(ctx, demoIssuerID)
	if err == nil {
		return iss, nil
	}
	if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return issuer.Issuer{}, err
	}
	return a.issuers.Add(ctx, "demo", issuer.Issuer{ID: demoIssuerID, Name: "Demo registry (development only)",
		AllowedTypes: []string{"passport_ru", "student_card", "large_family_certificate", "snils", "inn"},
		PublicKeys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "demo-1",
			Algorithm: string(jose.ES256), Use: "sig"}}}})
}

func (a *app) seedDemoCitizen(ctx context.Context, iss issuer.Issuer, key *ecdsa.PrivateKey, dc demoCitizen) error {
	c, err := a.accounts.Citizens.ByPhone(ctx, dc.Phone)
	switch {
	case err == nil:
		return nil // seeded on an earlier start; the citizen may have changed it since
	case digitalid.ErrorCode(err) != digitalid.ENOTFOUND:
		return err
	}
	if c, err = a.accounts.Citizens.Create(ctx, dc.Phone, dc.Lang); err != nil {
		return err
	}
	if err := a.accounts.PINs.Set(ctx, c.ID, demoPIN); err != nil {
		return err
	}
	for _, d := range dc.Docs {
		fields, photo, err := demoPhoto(d)
		if err != nil {
			return err
		}
		jws, err := signDemoDocument(key, fields)
		if err != nil {
			return err
		}
		if _, err := a.issuers.Push(ctx, iss, issuer.Push{Ref: d.Ref, Citizen: issuer.CitizenRef{Phone: dc.Phone},
			Type: d.Type, Document: jws, IdempotencyKey: "demo-" + d.Ref, Photo: photo}); err != nil {
			return fmt.Errorf("push %s: %w", d.Type, err)
		}
	}
	if dc.Assurance == account.AssuranceHigh {
		// The demo skips the face match that raises standard to high.
		return a.accounts.Citizens.SetAssurance(ctx, c.ID, account.AssuranceHigh)
	}
	return nil
}

// signDemoDocument is what a registry does before pushing: a compact JWS
// whose payload is the document's fields.
func signDemoDocument(key *ecdsa.PrivateKey, fields map[string]any) (string, error) {
	payload, err := json.Marshal(fields)
	if err != nil {
		return "", err
	}
	var signer crypto.Signer = key
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: signer},
		(&jose.SignerOptions{}).WithHeader(jose.HeaderKey("kid"), "demo-1"))
	if err != nil {
		return "", err
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
