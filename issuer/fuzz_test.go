package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// FuzzAssertion feeds arbitrary text to the JWS and claims parsing an
// assertion and a document go through: it must never panic, and nothing
// but a genuine signature by the key verifies.
func FuzzAssertion(f *testing.F) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k", Algorithm: "ES256"}}}
	s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, (&jose.SignerOptions{}).WithHeader("kid", "k"))
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	claims, _ := json.Marshal(map[string]any{"iss": "mvd", "sub": "mvd", "aud": "a", "jti": "j", "iat": now.Unix(), "exp": now.Unix() + 60})
	good, _ := s.Sign(claims)
	compact, _ := good.CompactSerialize()
	f.Add(compact)
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJtdmQifQ.")
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.c2ln")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		payload, err := verifyJWS(set, in)
		if err == nil && in != compact {
			// Only re-encodings of the one good signature may verify.
			if string(payload) != string(claims) {
				t.Fatalf("verifyJWS(%q) accepted a payload never signed", in)
			}
		}
		var c assertionClaims
		if jws, err := jose.ParseSignedCompact(in, algorithms()); err == nil {
			if json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c) == nil {
				_, _ = c.check("a", now)
			}
		}
	})
}
