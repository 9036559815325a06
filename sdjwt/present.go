package sdjwt

import (
	"crypto"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// KeyBindingOptions say how [Present] makes the Key Binding JWT (RFC 9901
// section 4.3) that proves the presenter holds the cnf key and binds the
// presentation to one Verifier and one moment.
type KeyBindingOptions struct {
	Signer   crypto.Signer           // the holder key named by cnf.jwk
	Alg      jose.SignatureAlgorithm // empty: from the key (ES256 for P-256)
	Aud      string                  // the Verifier the presentation is for
	Nonce    string                  // the Verifier's challenge, or a fresh random value offline
	IssuedAt time.Time               // the KB-JWT iat; Verifiers accept it for a short window
}

// kbClaims is the KB-JWT payload, exactly the four claims RFC 9901 section
// 4.3 requires and nothing else.
type kbClaims struct {
	IssuedAt int64  `json:"iat"`
	Aud      string `json:"aud"`
	Nonce    string `json:"nonce"`
	SDHash   string `json:"sd_hash"`
}

// Present makes a presentation of sd holding only the Disclosures whose
// paths selected accepts (see [Select]; nil selects none, which still proves
// the always-visible claims) and the parent Disclosures they need
// to connect to the Issuer-signed JWT (RFC 9901 section 7.2). With kb it
// appends a KB-JWT whose sd_hash covers the presentation up to and including
// its last "~"; with nil kb it returns a plain SD-JWT ending in "~". The
// Disclosures are checked first as a Holder must (section 7.1), so a
// malformed credential fails here, not at the Verifier.
func Present(sd *SDJWT, selected func(Path) bool, kb *KeyBindingOptions) (string, error) {
	if sd.KeyBindingJWT != "" {
		return "", fmt.Errorf("%w: present an SD-JWT, not an SD-JWT+KB", ErrUnexpectedKeyBinding)
	}
	limits := sd.limits.orDefault()
	typ, _ := sd.header["typ"].(string)
	pr, err := process(sd.payload, sd.Disclosures, limits.MaxDepth, typ == TypVC)
	if err != nil {
		return "", err
	}
	include := make([]bool, len(sd.Disclosures))
	for i, p := range pr.paths {
		if selected == nil || !selected(p) {
			continue
		}
		for j := i; j >= 0 && !include[j]; j = pr.parents[j] {
			include[j] = true
		}
	}
	out := &SDJWT{IssuerJWT: sd.IssuerJWT}
	for i, d := range sd.Disclosures {
		if include[i] {
			out.Disclosures = append(out.Disclosures, d)
		}
	}
	presentation := out.sdPart()
	if kb == nil {
		return presentation, nil
	}
	kbJWT, err := keyBindingJWT(presentation, pr.claims, kb)
	if err != nil {
		return "", err
	}
	return presentation + kbJWT, nil
}

// keyBindingJWT signs the KB-JWT for presentation (which ends in "~").
func keyBindingJWT(presentation string, claims map[string]any, kb *KeyBindingOptions) (string, error) {
	if kb.Signer == nil || kb.Aud == "" || kb.Nonce == "" || kb.IssuedAt.IsZero() {
		return "", fmt.Errorf("%w: Key Binding needs Signer, Aud, Nonce and IssuedAt", ErrOptions)
	}
	holder, err := holderKey(claims)
	if err != nil {
		return "", err
	}
	if !sameKey(holder, kb.Signer.Public()) {
		return "", fmt.Errorf("%w: the Key Binding signer is not the cnf.jwk key", ErrOptions)
	}
	body, err := encodeJSON(kbClaims{
		IssuedAt: kb.IssuedAt.Unix(),
		Aud:      kb.Aud,
		Nonce:    kb.Nonce,
		SDHash:   digest(presentation),
	})
	if err != nil {
		return "", fmt.Errorf("sdjwt: encoding KB-JWT: %w", err)
	}
	return signCompact(kb.Signer, kb.Alg, TypKB, "", body)
}

// holderKey reads cnf.jwk from processed claims (RFC 9901 section 4.1.2).
func holderKey(claims map[string]any) (crypto.PublicKey, error) {
	cnf, _ := claims["cnf"].(map[string]any)
	raw, ok := cnf["jwk"]
	if !ok {
		return nil, fmt.Errorf("%w: no cnf.jwk", ErrNoHolderKey)
	}
	b, err := encodeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoHolderKey, err)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(b); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoHolderKey, err)
	}
	pub, ok := publicJWK(&jwk)
	if !ok {
		return nil, fmt.Errorf("%w: cnf.jwk is not an asymmetric public key", ErrNoHolderKey)
	}
	return pub.Key, nil
}
