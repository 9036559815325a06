package sdjwt_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/digitalid/digitalid/sdjwt"
	"github.com/go-jose/go-jose/v4"
)

// An Issuer issues an age_over_18 credential bound to the holder's device
// key, the holder presents it with Key Binding, and a Verifier checks it.
func Example() {
	issuerKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	deviceKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1767225600, 0)

	credential, err := sdjwt.Issue(map[string]any{
		"iss":         "https://id.example.gov",
		"vct":         "urn:digitalid:age_over_18",
		"iat":         now.Unix(),
		"exp":         now.Add(30 * 24 * time.Hour).Unix(),
		"age_over_18": true,
	}, []sdjwt.Path{{"age_over_18"}}, sdjwt.IssueOptions{
		Signer: issuerKey, KeyID: "k1",
		HolderKey: &jose.JSONWebKey{Key: &deviceKey.PublicKey},
	})
	if err != nil {
		panic(err)
	}

	presentation, err := sdjwt.Present(credential, sdjwt.Select(sdjwt.Path{"age_over_18"}), &sdjwt.KeyBindingOptions{
		Signer: deviceKey, Aud: "age_over_18", Nonce: "hK2wq9T4mZ1xV7bN", IssuedAt: now,
	})
	if err != nil {
		panic(err)
	}

	v, err := sdjwt.Verify(presentation, sdjwt.VerifyOptions{
		IssuerKeys:        &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &issuerKey.PublicKey, KeyID: "k1"}}},
		RequireKeyBinding: true, Aud: "age_over_18", Nonce: "hK2wq9T4mZ1xV7bN",
		Now: func() time.Time { return now.Add(10 * time.Second) },
	})
	if err != nil {
		fmt.Println("refused:", sdjwt.Code(err))
		return
	}
	fmt.Println(v.VCT, v.Claims["age_over_18"], v.Disclosed)

	_, err = sdjwt.Verify(presentation, sdjwt.VerifyOptions{
		IssuerKeys:        &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &issuerKey.PublicKey, KeyID: "k1"}}},
		RequireKeyBinding: true, Aud: "age_over_18", Nonce: "hK2wq9T4mZ1xV7bN",
		Now: func() time.Time { return now.Add(time.Minute) },
	})
	fmt.Println("a minute later:", sdjwt.Code(err))
	// Output:
	// urn:digitalid:age_over_18 true [age_over_18]
	// a minute later: kb_stale
}
