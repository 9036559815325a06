package oidc_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func key32() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// newService builds the relying-party service over a real database.
func newService(t testing.TB, db *store.DB) (*oidc.Service, *keys.Manager) {
	t.Helper()
	now := digitalid.SystemClock
	al, err := audit.New(db, key32(), now)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := sms.NewOutbox(db, key32(), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := account.New(account.Config{Store: db, SMS: ob, Audit: al,
		Keys: account.Keys{PhoneIndex: key32(), PhoneSeal: key32(), OTP: key32(), IPIndex: key32()}})
	if err != nil {
		t.Fatal(err)
	}
	backend, _ := keys.NewFileBackend(bytes.Repeat([]byte{7}, 32))
	km, err := keys.NewManager(keys.Config{Store: db, Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	if err := km.EnsureKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc, err := oidc.New(oidc.Config{Store: db, Audit: al, Citizens: acc.Citizens, Devices: acc.Sessions, PairwiseKey: key32(),
		DocumentTypes: []string{"passport_ru", "snils"}})
	if err != nil {
		t.Fatal(err)
	}
	return svc, km
}

func TestAddClientValidation(t *testing.T) {
	svc, _ := newService(t, testdb.SQLite(t))
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k", Algorithm: "ES256"}}})
	priv, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k, KeyID: "k", Algorithm: "ES256"}}})
	good := oidc.NewClient{Name: "Bank", RedirectURIs: []string{"https://bank.example/cb"}, Scopes: []string{"document:snils"}, PublicKeys: jwks}
	for name, c := range map[string]func(n *oidc.NewClient){
		"no name":            func(n *oidc.NewClient) { n.Name = "" },
		"http redirect":      func(n *oidc.NewClient) { n.RedirectURIs = []string{"http://bank.example/cb"} },
		"fragment":           func(n *oidc.NewClient) { n.RedirectURIs = []string{"https://bank.example/cb#x"} },
		"unknown scope":      func(n *oidc.NewClient) { n.Scopes = []string{"document:nope"} },
		"required not asked": func(n *oidc.NewClient) { n.RequiredScopes = []string{"document:passport_ru"} },
		"private key":        func(n *oidc.NewClient) { n.PublicKeys = priv },
		"no keys":            func(n *oidc.NewClient) { n.PublicKeys = nil },
		"keys and secret":    func(n *oidc.NewClient) { n.DevSecret = true },
		"http logo":          func(n *oidc.NewClient) { n.LogoURL = "http://bank.example/l.png" },
		"consent too long":   func(n *oidc.NewClient) { n.ConsentDays = 1000 },
	} {
		n := good
		c(&n)
		if _, _, err := svc.AddClient(context.Background(), "op", n); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("%s: AddClient = %v, want EINVALID", name, err)
		}
	}
	got, secret, err := svc.AddClient(context.Background(), "op", good)
	if err != nil || secret != "" || got.AuthMethod != oidc.AuthPrivateKeyJWT || got.ConsentDays != oidc.DefaultConsentDays {
		t.Fatalf("AddClient(good) = %+v, %q, %v", got, secret, err)
	}
	dev := good
	dev.PublicKeys, dev.DevSecret, dev.RedirectURIs = nil, true, []string{"http://127.0.0.1:9999/cb"}
	if got, secret, err := svc.AddClient(context.Background(), "op", dev); err != nil || secret == "" || got.AuthMethod != oidc.AuthSecretBasic {
		t.Fatalf("AddClient(dev) = %+v, %q, %v", got, secret, err)
	}
	// Pairwise subjects differ per relying party and hide the citizen id.
	a, b := svc.Subject("rp_a", "c_x"), svc.Subject("rp_b", "c_x")
	if a == b || a != svc.Subject("rp_a", "c_x") || strings.Contains(a, "c_x") {
		t.Errorf("Subject: %q, %q", a, b)
	}
}

// FuzzPAR sends arbitrary form bodies, with a client assertion that is
// sometimes valid, to the PAR endpoint (which parses the assertion and the
// authorization parameters): never a 5xx, and nothing stored without a
// valid request.
func FuzzPAR(f *testing.F) {
	db := testdb.SQLite(f)
	svc, km := newService(f, db)
	p, err := svc.NewProvider("http://127.0.0.1:1", km, key32())
	if err != nil {
		f.Fatal(err)
	}
	var par http.Handler
	for _, r := range p.Routes() {
		if r.Pattern == "POST "+oidc.PathPAR {
			par = r.Handler
		}
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k", Algorithm: "ES256"}}})
	c, _, err := svc.AddClient(context.Background(), "op", oidc.NewClient{Name: "Bank", RedirectURIs: []string{"https://bank.example/cb"},
		Scopes: []string{"document:snils"}, PublicKeys: jwks})
	if err != nil {
		f.Fatal(err)
	}
	s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, (&jose.SignerOptions{}).WithHeader("kid", "k"))
	a, _ := jwt.Signed(s).Claims(jwt.Claims{Issuer: c.ID, Subject: c.ID, Audience: jwt.Audience{"http://127.0.0.1:1"}, ID: "seed",
		Expiry: jwt.NewNumericDate(time.Now().Add(time.Minute))}).Serialize()
	f.Add("response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fbank.example%2Fcb&code_challenge_method=S256&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", a)
	f.Add("scope=openid+document%3Asnils", "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJycCJ9.AAAA")
	f.Add("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=..", "")
	f.Add("%zz", "x")
	f.Fuzz(func(t *testing.T, body, assertion string) {
		form := body
		if assertion != "" {
			form += "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + assertion
		}
		req := httptest.NewRequest("POST", oidc.PathPAR, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		par.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("PAR(%q, %q) = %d %s", body, assertion, rec.Code, rec.Body)
		}
		if rec.Code != 201 && rec.Code != 400 && rec.Code != 401 {
			t.Fatalf("PAR = %d, want 201, 400 or 401", rec.Code)
		}
	})
}
