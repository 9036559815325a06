package statuslist

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const exampleURI = "https://example.com/statuslists/1"

// tokenFixture is an issuer key, its JWKS and the draft's example token
// times (iat 1686920170, exp 2291720170, ttl 43200).
type tokenFixture struct {
	key  *ecdsa.PrivateKey
	jwks *jose.JSONWebKeySet
	list *List
	iat  time.Time
	exp  time.Time
	ttl  time.Duration
}

func newTokenFixture(t testing.TB) *tokenFixture {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	list, err := Decode(1, "eNrbuRgAAhcBXQ")
	if err != nil {
		t.Fatal(err)
	}
	return &tokenFixture{
		key:  key,
		jwks: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "12", Algorithm: "ES256", Use: "sig"}}},
		list: list,
		iat:  time.Unix(1686920170, 0),
		exp:  time.Unix(2291720170, 0),
		ttl:  43200 * time.Second,
	}
}

func (f *tokenFixture) sign(t testing.TB) string {
	t.Helper()
	tok, err := SignToken(f.list, exampleURI, f.iat, f.exp, f.ttl, f.key, "", "12")
	if err != nil {
		t.Fatalf("SignToken = %v", err)
	}
	return tok
}

// rawJWS signs any header and payload as compact ES256 (or HS256 with a
// secret), for tokens SignToken refuses to make.
func (f *tokenFixture) rawJWS(t testing.TB, header, payload any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	enc := base64.RawURLEncoding.EncodeToString
	input := enc(h) + "." + enc(p)
	var sig []byte
	switch alg, _ := header.(map[string]any)["alg"].(string); alg {
	case "none":
	case "HS256":
		m := hmac.New(sha256.New, []byte("secret"))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	default:
		d := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, f.key, d[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	return input + "." + enc(sig)
}

// draftPayload is the draft's example Status List Token payload.
func draftPayload() map[string]any {
	return map[string]any{
		"exp": 2291720170, "iat": 1686920170, "ttl": 43200, "sub": exampleURI,
		"status_list": map[string]any{"bits": 1, "lst": "eNrbuRgAAhcBXQ"},
	}
}

func draftHeader() map[string]any {
	return map[string]any{"alg": "ES256", "kid": "12", "typ": "statuslist+jwt"}
}

func TestTokenRoundTrip(t *testing.T) {
	f := newTokenFixture(t)
	now := f.iat.Add(time.Hour)
	list, info, err := ParseToken(f.sign(t), f.jwks, now, exampleURI)
	if err != nil {
		t.Fatalf("ParseToken(SignToken()) = %v", err)
	}
	want := TokenInfo{URI: exampleURI, IssuedAt: f.iat, Expires: f.exp, TTL: f.ttl, KeyID: "12"}
	if info != want {
		t.Errorf("ParseToken info = %+v, want %+v", info, want)
	}
	for i, w := range []Status{1, 0, 0, 1, 1, 1, 0, 1} {
		if s, err := list.Get(i); err != nil || s != w {
			t.Errorf("ParseToken list Get(%d) = %v, %v; want %v", i, s, err, w)
		}
	}
	// The draft's example token, header and payload exactly as printed.
	if _, info, err := ParseToken(f.rawJWS(t, draftHeader(), draftPayload()), f.jwks, now, exampleURI); err != nil || info.TTL != 12*time.Hour {
		t.Errorf("ParseToken(draft example) = %+v, %v", info, err)
	}
	// Without exp and ttl, and without kid.
	tok, err := SignToken(f.list, exampleURI, f.iat, time.Time{}, 0, f.key, jose.ES256, "")
	if err != nil {
		t.Fatalf("SignToken(no exp, ttl, kid) = %v", err)
	}
	if _, info, err := ParseToken(tok, f.jwks, now.Add(100*365*24*time.Hour), exampleURI); err != nil || !info.Expires.IsZero() || info.TTL != 0 {
		t.Errorf("ParseToken(no exp, ttl, kid) = %+v, %v", info, err)
	}
}

func TestTokenEdDSA(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := New(2, 100)
	_ = l.Set(42, Suspended)
	iat := time.Unix(1767225600, 0)
	tok, err := SignToken(l, exampleURI, iat, iat.Add(24*time.Hour), time.Hour, priv, "", "ed")
	if err != nil {
		t.Fatalf("SignToken(Ed25519) = %v", err)
	}
	jwks := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "ed"}}}
	got, _, err := ParseToken(tok, jwks, iat, exampleURI)
	if err != nil {
		t.Fatalf("ParseToken(EdDSA) = %v", err)
	}
	if s, _ := got.Get(42); s != Suspended || got.Bits() != 2 {
		t.Errorf("ParseToken(EdDSA) Get(42) = %v (bits %d), want SUSPENDED", s, got.Bits())
	}
}

// TestParseTokenRefuses is the tamper corpus of the Status List Token.
func TestParseTokenRefuses(t *testing.T) {
	f := newTokenFixture(t)
	now := f.iat.Add(time.Hour)
	good := f.sign(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	with := func(edit func(h, p map[string]any)) string {
		h, p := draftHeader(), draftPayload()
		edit(h, p)
		return f.rawJWS(t, h, p)
	}
	parts := strings.Split(good, ".")
	tests := []struct {
		name  string
		token string
		jwks  *jose.JSONWebKeySet
		now   time.Time
		uri   string
		want  error
	}{
		{name: "typ JWT", token: with(func(h, _ map[string]any) { h["typ"] = "JWT" }), want: ErrTyp},
		{name: "no typ", token: with(func(h, _ map[string]any) { delete(h, "typ") }), want: ErrTyp},
		{name: "alg none", token: with(func(h, _ map[string]any) { h["alg"] = "none" }), want: ErrMalformed},
		{name: "alg HS256", token: with(func(h, _ map[string]any) { h["alg"] = "HS256" }), want: ErrMalformed},
		{name: "crit header", token: with(func(h, _ map[string]any) { h["crit"] = []string{"exp"}; h["exp"] = 1 }), want: ErrMalformed},
		{name: "unknown kid", token: with(func(h, _ map[string]any) { h["kid"] = "13" }), want: ErrUnknownKey},
		{name: "no keys", token: good, jwks: &jose.JSONWebKeySet{}, want: ErrUnknownKey},
		{name: "other key", token: good, jwks: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &other.PublicKey, KeyID: "12"}}}, want: ErrSignature},
		{name: "tampered payload", token: parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+exampleURI+`","iat":1686920170,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`)) + "." + parts[2], want: ErrSignature},
		{name: "sub of another list", token: good, uri: "https://example.com/statuslists/2", want: ErrSubject},
		{name: "no sub", token: with(func(_, p map[string]any) { delete(p, "sub") }), want: ErrMissingClaim},
		{name: "expired", token: good, now: f.exp.Add(time.Minute), want: ErrExpired},
		{name: "iat in the future", token: good, now: f.iat.Add(-time.Minute), want: ErrNotYetValid},
		{name: "nbf in the future", token: with(func(_, p map[string]any) { p["nbf"] = 2000000000 }), want: ErrNotYetValid},
		{name: "no iat", token: with(func(_, p map[string]any) { delete(p, "iat") }), want: ErrMissingClaim},
		{name: "iat string", token: with(func(_, p map[string]any) { p["iat"] = "1686920170" }), want: ErrMissingClaim},
		{name: "exp string", token: with(func(_, p map[string]any) { p["exp"] = "2291720170" }), want: ErrMalformed},
		{name: "ttl zero", token: with(func(_, p map[string]any) { p["ttl"] = 0 }), want: ErrMalformed},
		{name: "ttl negative", token: with(func(_, p map[string]any) { p["ttl"] = -5 }), want: ErrMalformed},
		{name: "no status_list", token: with(func(_, p map[string]any) { delete(p, "status_list") }), want: ErrMissingClaim},
		{name: "status_list bits 3", token: with(func(_, p map[string]any) { p["status_list"] = map[string]any{"bits": 3, "lst": "eNrbuRgAAhcBXQ"} }), want: ErrBits},
		{name: "status_list bad lst", token: with(func(_, p map[string]any) { p["status_list"] = map[string]any{"bits": 1, "lst": "AAAA"} }), want: ErrMalformed},
		{name: "payload not JSON", token: f.rawJWS(t, draftHeader(), "not an object"), want: ErrMalformed},
		{name: "not a JWS", token: "a.b", want: ErrMalformed},
		{name: "too large", token: strings.Repeat("a", MaxTokenLen+1), want: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jwks, at, uri := f.jwks, now, exampleURI
			if tt.jwks != nil {
				jwks = tt.jwks
			}
			if !tt.now.IsZero() {
				at = tt.now
			}
			if tt.uri != "" {
				uri = tt.uri
			}
			if _, _, err := ParseToken(tt.token, jwks, at, uri); !errors.Is(err, tt.want) {
				t.Fatalf("ParseToken(%s) = %v, want %v", tt.name, err, tt.want)
			}
		})
	}
}

func TestSignTokenRefuses(t *testing.T) {
	f := newTokenFixture(t)
	_, rsaLike, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil list", second(SignToken(nil, exampleURI, f.iat, f.exp, f.ttl, f.key, "", "")), ErrOptions},
		{"nil signer", second(SignToken(f.list, exampleURI, f.iat, f.exp, f.ttl, nil, "", "")), ErrOptions},
		{"relative uri", second(SignToken(f.list, "/statuslists/1", f.iat, f.exp, f.ttl, f.key, "", "")), ErrOptions},
		{"no iat", second(SignToken(f.list, exampleURI, time.Time{}, f.exp, f.ttl, f.key, "", "")), ErrOptions},
		{"exp before iat", second(SignToken(f.list, exampleURI, f.iat, f.iat, f.ttl, f.key, "", "")), ErrOptions},
		{"ttl under a second", second(SignToken(f.list, exampleURI, f.iat, f.exp, time.Millisecond, f.key, "", "")), ErrOptions},
		{"alg HS256", second(SignToken(f.list, exampleURI, f.iat, f.exp, f.ttl, f.key, jose.HS256, "")), ErrAlg},
		{"alg none", second(SignToken(f.list, exampleURI, f.iat, f.exp, f.ttl, f.key, "none", "")), ErrAlg},
		{"alg for a key of another kind", second(SignToken(f.list, exampleURI, f.iat, f.exp, f.ttl, rsaLike, jose.ES256, "")), ErrOptions},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("SignToken(%s) = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	var _ crypto.Signer = f.key
}
