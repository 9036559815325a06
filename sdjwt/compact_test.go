package sdjwt

import (
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// ageOver18 builds a realistic offline age_over_18 presentation: an SD-JWT
// VC with iss, vct, iat, exp, cnf.jwk (P-256), a Token Status List entry and
// one disclosable boolean, presented with a KB-JWT. The strings the platform
// chooses are kept lean: no kid (Verifiers try the Issuer's one or two
// current keys), a URN vct (as the EUDI PID's "urn:eudi:pid:1"), the purpose
// as the offline aud (the wallet cannot know the scanner) and a 96-bit nonce.
func ageOver18(t testing.TB, f *fixture) (presentation string, opts VerifyOptions) {
	return ageOver18With(t, f, "")
}

func ageOver18With(t testing.TB, f *fixture, kid string) (presentation string, opts VerifyOptions) {
	t.Helper()
	claims := map[string]any{
		"iss": "https://id.example.gov",
		"vct": "urn:digitalid:age_over_18",
		"iat": f.now.Unix(),
		"exp": f.now.Add(30 * 24 * time.Hour).Unix(),
		"status": map[string]any{"status_list": map[string]any{
			"idx": 1048575, "uri": "https://id.example.gov/sl/17",
		}},
		"age_over_18": true,
	}
	sd, err := Issue(claims, []Path{{"age_over_18"}}, IssueOptions{
		Signer: f.issuer, KeyID: kid, HolderKey: &jose.JSONWebKey{Key: &f.holder.PublicKey},
	})
	if err != nil {
		t.Fatalf("Issue(age_over_18) = %v", err)
	}
	kb := f.kb()
	kb.Aud, kb.Nonce = "age_over_18", "hK2wq9T4mZ1xV7bN"
	presentation, err = Present(sd, Select(Path{"age_over_18"}), kb)
	if err != nil {
		t.Fatalf("Present(age_over_18) = %v", err)
	}
	opts = VerifyOptions{
		IssuerKeys:        &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.issuer.PublicKey, KeyID: kid}}},
		RequireKeyBinding: true, Aud: kb.Aud, Nonce: kb.Nonce, Now: f.clock,
	}
	return presentation, opts
}

// TestAgeOver18Compact keeps the offline QR payload for age_over_18 under
// the 1,000 characters the issue allows.
func TestAgeOver18Compact(t *testing.T) {
	f := newFixture(t)
	p, opts := ageOver18(t, f)
	v, err := Verify(p, opts)
	if err != nil {
		t.Fatalf("Verify(age_over_18) = %v", err)
	}
	if v.Claims["age_over_18"] != true || len(v.Disclosed) != 1 {
		t.Fatalf("Verify(age_over_18) claims %v", v.Claims)
	}
	sd, _ := Parse(p)
	t.Logf("age_over_18 presentation: %d characters (Issuer-signed JWT %d, Disclosure %d, KB-JWT %d)",
		len(p), len(sd.IssuerJWT), len(sd.Disclosures[0].Encoded), len(sd.KeyBindingJWT))
	if len(p) >= 1000 {
		t.Errorf("age_over_18 presentation is %d characters, want < 1000", len(p))
	}
	for _, kid := range []string{"a7Fq", "Xq3vR0dKk9Tt1bWm4ZpA2w"} {
		withKid, _ := ageOver18With(t, f, kid)
		t.Logf("with a %d-character kid: %d characters", len(kid), len(withKid))
	}
}
