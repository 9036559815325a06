package keys

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"io"
	"log/slog"
	"math/big"

	"github.com/digitalid/digitalid"
	jose "github.com/go-jose/go-jose/v4"
)

// signer is the Signer the Manager hands out: a backend's private half under
// the key's name. It prints and logs as its key id only, so a careless log
// line or %v cannot reveal a software private key.
type signer struct {
	key  Key
	priv crypto.Signer
}

var _ Signer = (*signer)(nil)

func (s *signer) Public() crypto.PublicKey { return s.key.Public }
func (s *signer) KeyID() string            { return s.key.ID }
func (s *signer) Alg() Alg                 { return s.key.Alg }

// Sign implements crypto.Signer: for ES256 pass a SHA-256 digest and
// crypto.SHA256 (the result is ASN.1 DER, as crypto/x509 expects); for EdDSA
// pass the message and crypto.Hash(0).
func (s *signer) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	switch {
	case s.key.Alg == ES256 && (opts == nil || opts.HashFunc() != crypto.SHA256 || len(digest) != sha256.Size):
		return nil, digitalid.Errorf(digitalid.EINVALID, "ES256 signs a SHA-256 digest")
	case s.key.Alg == EdDSA && opts != nil && opts.HashFunc() != 0:
		return nil, digitalid.Errorf(digitalid.EINVALID, "EdDSA signs the message itself, not a digest")
	}
	sig, err := s.priv.Sign(r, digest, opts)
	if err != nil {
		return nil, digitalid.Wrap(digitalid.EUNAVAILABLE, fmt.Errorf("key %s: sign: %w", s.key.ID, err), "signing failed")
	}
	return sig, nil
}

// LogValue logs the key's description, never the private key.
func (s *signer) LogValue() slog.Value { return s.key.LogValue() }

// String and GoString keep fmt from printing the private key.
func (s *signer) String() string   { return "keys.Signer(" + s.key.ID + ")" }
func (s *signer) GoString() string { return s.String() }

// NewOpaqueSigner adapts a Signer to go-jose, so that
//
//	jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(s.Alg()), Key: keys.NewOpaqueSigner(s)}, nil)
//
// signs JWS (and through it JWT and SD-JWT) with a key that may live in an
// HSM. The JWS header names the key by its kid, as published in the JWKS.
func NewOpaqueSigner(s Signer) jose.OpaqueSigner { return opaqueSigner{s} }

type opaqueSigner struct{ s Signer }

func (o opaqueSigner) Public() *jose.JSONWebKey {
	j := JWK(Key{ID: o.s.KeyID(), Alg: o.s.Alg(), Public: o.s.Public()})
	return &j
}

func (o opaqueSigner) Algs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.SignatureAlgorithm(o.s.Alg())}
}

// SignPayload signs as RFC 7518 says: ES256 is the fixed-size R || S over
// SHA-256 of the payload, EdDSA (RFC 8037) the Ed25519 signature of it.
func (o opaqueSigner) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if string(alg) != string(o.s.Alg()) {
		return nil, digitalid.Errorf(digitalid.EINVALID, "key %s signs %s, not %s", o.s.KeyID(), o.s.Alg(), alg)
	}
	switch o.s.Alg() {
	case ES256:
		h := sha256.Sum256(payload)
		der, err := o.s.Sign(rand.Reader, h[:], crypto.SHA256)
		if err != nil {
			return nil, err
		}
		return ecdsaDERToJOSE(der, 32)
	case EdDSA:
		return o.s.Sign(rand.Reader, payload, crypto.Hash(0))
	}
	return nil, digitalid.Errorf(digitalid.EINVALID, "key %s: no JOSE signing for %s", o.s.KeyID(), o.s.Alg())
}

// ecdsaDERToJOSE turns an ASN.1 ECDSA signature into R || S, each padded to
// size bytes (RFC 7518, section 3.4).
func ecdsaDERToJOSE(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil ||
		sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 8*size || sig.S.BitLen() > 8*size {
		return nil, fmt.Errorf("malformed ECDSA signature from the key backend")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}
