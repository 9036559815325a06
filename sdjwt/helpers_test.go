package sdjwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// readVector returns a testdata file with all white space removed, as the
// RFC's line-wrapped examples need.
func readVector(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), "")
}

// readJSON decodes a testdata JSON file with numbers as json.Number, the
// form Verify returns.
func readJSON(t testing.TB, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeJSON(b, DefaultMaxDepth)
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return v
}

// readJWK reads a testdata JSON Web Key.
func readJWK(t testing.TB, name string) *jose.JSONWebKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(b); err != nil {
		t.Fatalf("JWK %s: %v", name, err)
	}
	return &k
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// wantErr fails unless err carries exactly the reason want (its Code is the
// most specific reason in the chain, not just one of them).
func wantErr(t testing.TB, call string, err error, want *Error) {
	t.Helper()
	if !errors.Is(err, want) || Code(err) != want.Code {
		t.Fatalf("%s = %v (code %q), want %v", call, err, Code(err), want)
	}
}

func sameJSON(t testing.TB, got, want any) bool {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return true
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	t.Errorf("claims differ\n got: %s\nwant: %s", g, w)
	return false
}

// fixture is one Issuer, one Holder device key and a fixed clock.
type fixture struct {
	issuer, holder *ecdsa.PrivateKey
	jwks           *jose.JSONWebKeySet
	now            time.Time
}

const (
	testKid   = "k1"
	testAud   = "https://verifier.example"
	testNonce = "n-0S6_WzA2Mj"
)

func newFixture(t testing.TB) *fixture {
	f := &fixture{issuer: newKey(t), holder: newKey(t), now: time.Unix(1767225600, 0)}
	f.jwks = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.issuer.PublicKey, KeyID: testKid, Algorithm: "ES256", Use: "sig"}}}
	return f
}

func (f *fixture) clock() time.Time { return f.now }

// claims is a credential with properties, nested objects and an array.
func (f *fixture) claims() map[string]any {
	return map[string]any{
		"iss":           "https://id.example",
		"vct":           "https://id.example/vct/person",
		"iat":           f.now.Add(-time.Hour).Unix(),
		"exp":           f.now.Add(24 * time.Hour).Unix(),
		"given_name":    "Erika",
		"age_over_18":   true,
		"address":       map[string]any{"street": "Heidestraße 17", "locality": "Köln"},
		"nationalities": []any{"DE", "FR"},
	}
}

// disclosable makes given_name, age_over_18, the whole address and its
// locality (a recursive Disclosure), and each nationality disclosable.
var testPaths = []Path{{"given_name"}, {"age_over_18"}, {"address"}, {"address", "locality"}, {"nationalities", "*"}}

func (f *fixture) issueOpts() IssueOptions {
	return IssueOptions{
		Signer: f.issuer, KeyID: testKid,
		HolderKey: &jose.JSONWebKey{Key: &f.holder.PublicKey},
	}
}

func (f *fixture) issue(t testing.TB) *SDJWT {
	t.Helper()
	sd, err := Issue(f.claims(), testPaths, f.issueOpts())
	if err != nil {
		t.Fatalf("Issue = %v", err)
	}
	return sd
}

func (f *fixture) kb() *KeyBindingOptions {
	return &KeyBindingOptions{Signer: f.holder, Aud: testAud, Nonce: testNonce, IssuedAt: f.now}
}

func (f *fixture) present(t testing.TB, sd *SDJWT, selected func(Path) bool) string {
	t.Helper()
	p, err := Present(sd, selected, f.kb())
	if err != nil {
		t.Fatalf("Present = %v", err)
	}
	return p
}

func (f *fixture) verifyOpts() VerifyOptions {
	return VerifyOptions{
		IssuerKeys: f.jwks, RequireKeyBinding: true,
		Aud: testAud, Nonce: testNonce, Now: f.clock,
	}
}

// signJWT signs any payload as the fixture's Issuer would, for tokens Issue
// refuses to make.
func (f *fixture) signJWT(t testing.TB, payload any) string {
	t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := signCompact(f.issuer, "", TypVC, testKid, body)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

// mustDisclosure encodes a Disclosure from its JSON array contents.
func mustDisclosure(t testing.TB, parts ...any) *Disclosure {
	t.Helper()
	raw, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	enc := b64.EncodeToString(raw)
	return &Disclosure{Encoded: enc, Digest: digest(enc)}
}
