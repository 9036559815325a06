package sdjwt

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestRoundTrip issues a credential with nested and array Disclosures,
// presents different selections and checks exactly the selected claims
// (and the parents they need) reach the Verifier.
func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	sd := f.issue(t)
	base := func() map[string]any {
		return map[string]any{
			"iss": "https://id.example", "vct": "https://id.example/vct/person",
			"iat": json.Number("1767222000"), "exp": json.Number("1767312000"),
			"cnf": map[string]any{"jwk": map[string]any{
				"kty": "EC", "crv": "P-256",
				"x": b64.EncodeToString(f.holder.PublicKey.X.FillBytes(make([]byte, 32))),
				"y": b64.EncodeToString(f.holder.PublicKey.Y.FillBytes(make([]byte, 32))),
			}},
			"nationalities": []any{},
		}
	}
	tests := []struct {
		name      string
		selected  func(Path) bool
		add       map[string]any
		disclosed []string
	}{
		{"nothing", nil, nil, nil},
		{"age_over_18", Select(Path{"age_over_18"}), map[string]any{"age_over_18": true}, []string{"age_over_18"}},
		{"nested claim pulls its parent", Select(Path{"address", "locality"}),
			map[string]any{"address": map[string]any{"street": "Heidestraße 17", "locality": "Köln"}},
			[]string{"address.locality", "address"}},
		{"parent without its nested claim", func(p Path) bool { return p.String() == "address" },
			map[string]any{"address": map[string]any{"street": "Heidestraße 17"}}, []string{"address"}},
		{"second array element", Select(Path{"nationalities", "1"}),
			map[string]any{"nationalities": []any{"FR"}}, []string{"nationalities.0"}},
		{"every element", Select(Path{"nationalities", "*"}),
			map[string]any{"nationalities": []any{"DE", "FR"}}, []string{"nationalities.0", "nationalities.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.present(t, sd, tt.selected)
			v, err := Verify(p, f.verifyOpts())
			if err != nil {
				t.Fatalf("Verify(Present(%s)) = %v", tt.name, err)
			}
			want := base()
			for k, x := range tt.add {
				want[k] = x
			}
			sameJSON(t, any(v.Claims), any(want))
			var got []string
			for _, d := range v.Disclosed {
				got = append(got, d.String())
			}
			slices.Sort(got)
			slices.Sort(tt.disclosed)
			if !slices.Equal(got, tt.disclosed) {
				t.Errorf("Verify(Present(%s)).Disclosed = %v, want %v", tt.name, got, tt.disclosed)
			}
			if !v.KeyBound || v.KBIssuedAt != f.now || v.KeyID != testKid || v.VCT != "https://id.example/vct/person" {
				t.Errorf("Verify(Present(%s)) = %+v", tt.name, v)
			}
		})
	}
}

// TestPresentWithoutKeyBinding: a plain SD-JWT ends in "~" and verifies only
// when the Verifier does not require Key Binding.
func TestPresentWithoutKeyBinding(t *testing.T) {
	f := newFixture(t)
	p, err := Present(f.issue(t), Select(Path{"given_name"}), nil)
	if err != nil || !strings.HasSuffix(p, "~") {
		t.Fatalf("Present(nil kb) = %q, %v", p, err)
	}
	opts := f.verifyOpts()
	_, err = Verify(p, opts)
	wantErr(t, "Verify(no KB, required)", err, ErrNoKeyBinding)
	opts.RequireKeyBinding = false
	v, err := Verify(p, opts)
	if err != nil || v.KeyBound || v.Claims["given_name"] != "Erika" {
		t.Fatalf("Verify(no KB, not required) = %+v, %v", v, err)
	}
}

// TestKeyBindingCheckedWhenNotRequired: a KB-JWT that is present is checked
// even by a Verifier that does not require one.
func TestKeyBindingCheckedWhenNotRequired(t *testing.T) {
	f := newFixture(t)
	sd := f.issue(t)
	p := f.present(t, sd, nil)
	sdPart, _ := split(p)
	bad := sdPart + f.kbFor(t, TypKB, f.kbClaims(sd.sdPart()))
	opts := f.verifyOpts()
	opts.RequireKeyBinding = false
	_, err := Verify(bad, opts)
	wantErr(t, "Verify(bad KB, not required)", err, ErrSDHash)
}

func TestPresentErrors(t *testing.T) {
	f := newFixture(t)
	sd := f.issue(t)
	withKB, err := Parse(f.present(t, sd, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Present(withKB, nil, f.kb())
	wantErr(t, "Present(SD-JWT+KB)", err, ErrUnexpectedKeyBinding)

	other := f.kb()
	other.Signer = newKey(t)
	_, err = Present(sd, nil, other)
	wantErr(t, "Present(signer not cnf)", err, ErrOptions)

	noNonce := f.kb()
	noNonce.Nonce = ""
	_, err = Present(sd, nil, noNonce)
	wantErr(t, "Present(no nonce)", err, ErrOptions)

	opts := f.issueOpts()
	opts.HolderKey = nil
	unbound, err := Issue(f.claims(), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Present(unbound, nil, f.kb())
	wantErr(t, "Present(no cnf)", err, ErrNoHolderKey)
}

func TestVerifyOptionsErrors(t *testing.T) {
	f := newFixture(t)
	p := f.present(t, f.issue(t), nil)
	tests := []struct {
		name string
		opts func(*VerifyOptions)
	}{
		{"HS256 allowed", func(o *VerifyOptions) { o.AllowedAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.HS256} }},
		{"none allowed", func(o *VerifyOptions) { o.AllowedAlgs = []jose.SignatureAlgorithm{"none"} }},
		{"KB without nonce", func(o *VerifyOptions) { o.Nonce = "" }},
		{"KB without aud", func(o *VerifyOptions) { o.Aud = "" }},
		{"no keys", func(o *VerifyOptions) { o.IssuerKeys = nil }},
	}
	for _, tt := range tests {
		opts := f.verifyOpts()
		tt.opts(&opts)
		_, err := Verify(p, opts)
		wantErr(t, "Verify("+tt.name+")", err, ErrOptions)
	}
}

// TestIssuerJWKS: a resolver's own failure passes through unchanged (a
// network error must not read as "invalid"), an unknown issuer is a refusal.
func TestIssuerJWKS(t *testing.T) {
	f := newFixture(t)
	p := f.present(t, f.issue(t), nil)
	offline := errors.New("JWKS cache too old")
	tests := []struct {
		name    string
		resolve func(iss string) (*jose.JSONWebKeySet, error)
		check   func(error) bool
	}{
		{"found", func(iss string) (*jose.JSONWebKeySet, error) {
			if iss != "https://id.example" {
				return nil, nil
			}
			return f.jwks, nil
		}, func(err error) bool { return err == nil }},
		{"unknown issuer", func(string) (*jose.JSONWebKeySet, error) { return nil, nil },
			func(err error) bool { return errors.Is(err, ErrUnknownKey) }},
		{"unreachable", func(string) (*jose.JSONWebKeySet, error) { return nil, offline },
			func(err error) bool { return errors.Is(err, offline) && Code(err) == "internal" }},
	}
	for _, tt := range tests {
		opts := f.verifyOpts()
		opts.IssuerKeys, opts.IssuerJWKS = nil, tt.resolve
		if _, err := Verify(p, opts); !tt.check(err) {
			t.Errorf("Verify(IssuerJWKS %s) = %v", tt.name, err)
		}
	}
}

// TestWithoutKid: a token without kid verifies against a small key set
// (the key in use among others), not against a large one.
func TestWithoutKid(t *testing.T) {
	f := newFixture(t)
	opts := f.issueOpts()
	opts.KeyID = ""
	sd, err := Issue(f.claims(), testPaths, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := f.present(t, sd, nil)
	set := &jose.JSONWebKeySet{}
	for range MaxKeysWithoutKid - 1 {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &newKey(t).PublicKey, KeyID: "old"})
	}
	set.Keys = append(set.Keys, f.jwks.Keys[0])
	vopts := f.verifyOpts()
	vopts.IssuerKeys = set
	if _, err := Verify(p, vopts); err != nil {
		t.Fatalf("Verify(no kid, %d keys) = %v", len(set.Keys), err)
	}
	set.Keys = append([]jose.JSONWebKey{{Key: &newKey(t).PublicKey}}, set.Keys...)
	_, err = Verify(p, vopts)
	wantErr(t, "Verify(no kid, too many keys)", err, ErrUnknownKey)
}

// opaqueSigner hides the key type, as an HSM-backed keys.Signer does.
type opaqueSigner struct{ crypto.Signer }

// TestEdDSAAndOpaqueSigners issues with an Ed25519 Issuer key behind an
// opaque crypto.Signer and binds to an Ed25519 holder key.
func TestEdDSAAndOpaqueSigners(t *testing.T) {
	f := newFixture(t)
	ipub, ipriv, _ := ed25519.GenerateKey(rand.Reader)
	hpub, hpriv, _ := ed25519.GenerateKey(rand.Reader)
	sd, err := Issue(f.claims(), testPaths, IssueOptions{
		Signer: opaqueSigner{ipriv}, KeyID: "ed", HolderKey: &jose.JSONWebKey{Key: hpub},
	})
	if err != nil {
		t.Fatalf("Issue(EdDSA) = %v", err)
	}
	p, err := Present(sd, Select(Path{"age_over_18"}), &KeyBindingOptions{
		Signer: opaqueSigner{hpriv}, Aud: testAud, Nonce: testNonce, IssuedAt: f.now,
	})
	if err != nil {
		t.Fatalf("Present(EdDSA) = %v", err)
	}
	opts := f.verifyOpts()
	opts.IssuerKeys = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ipub, KeyID: "ed"}}}
	_, err = Verify(p, opts)
	wantErr(t, "Verify(EdDSA, ES256 only)", err, ErrAlg)
	opts.AllowedAlgs = []jose.SignatureAlgorithm{jose.EdDSA}
	if v, err := Verify(p, opts); err != nil || v.Claims["age_over_18"] != true {
		t.Fatalf("Verify(EdDSA) = %v, %v", v, err)
	}
}
