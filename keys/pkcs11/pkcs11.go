//go:build cgo

package pkcs11

import (
	"bytes"
	"context"
	"crypto"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sync"

	"github.com/ThalesGroup/crypto11"
	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/keys"
	p11 "github.com/miekg/pkcs11"
)

// Backend holds keys in a PKCS#11 token. It is safe for concurrent use.
type Backend struct {
	c   *crypto11.Context
	raw *token
	// objects serialises creating and destroying token objects against each
	// other and against object look-ups: SoftHSM2 fails a C_GenerateKey(Pair)
	// that runs concurrently with another generation or a C_FindObjects with
	// CKR_GENERAL_ERROR (softhsm/SoftHSMv2#573). Keys are made rarely and
	// looked up once per process (the Manager caches them), so this costs
	// nothing on the signing path.
	objects sync.RWMutex
}

var _ keys.Backend = (*Backend)(nil)

// Open logs in to the token cfg names. Call Close when done.
func Open(cfg Config) (*Backend, error) {
	if cfg.Module == "" || cfg.TokenLabel == "" || cfg.PIN == "" {
		return nil, digitalid.Errorf(digitalid.EINVALID, "pkcs11: the module path, token label and PIN are required")
	}
	c, err := crypto11.Configure(&crypto11.Config{
		Path:        cfg.Module,
		TokenLabel:  cfg.TokenLabel,
		Pin:         cfg.PIN,
		GCMIVLength: keys.NonceSize,
	})
	if err != nil {
		return nil, unavailable(fmt.Errorf("pkcs11: open token %q with %s: %w", cfg.TokenLabel, cfg.Module, err))
	}
	// crypto11 has initialised the module; the raw context shares it.
	raw, err := openToken(cfg)
	if err != nil {
		c.Close()
		return nil, unavailable(err)
	}
	return &Backend{c: c, raw: raw}, nil
}

// Close logs out and releases the module.
func (b *Backend) Close() error {
	b.raw.close()
	return b.c.Close()
}

func unavailable(err error) error {
	return digitalid.Wrap(digitalid.EUNAVAILABLE, err, "the HSM is not available")
}

// Name implements keys.Backend.
func (b *Backend) Name() string { return Name }

// Generate implements keys.Backend: the key is made inside the token as a
// sensitive, non-extractable token object with CKA_ID = id and CKA_LABEL =
// "digitalid-" + id.
func (b *Backend) Generate(ctx context.Context, id string, purpose keys.Purpose, alg keys.Alg) (keys.Record, error) {
	if err := keys.CheckPurposeAlg(purpose, alg); err != nil {
		return keys.Record{}, err
	}
	if err := keys.CheckKeyID(id); err != nil {
		return keys.Record{}, err
	}
	r := keys.Record{
		Key:      keys.Key{ID: id, Purpose: purpose, Alg: alg, Backend: Name},
		HSMLabel: "digitalid-" + id,
		HSMID:    []byte(id),
	}
	b.objects.Lock()
	defer b.objects.Unlock()
	private, err := crypto11.NewAttributeSetWithIDAndLabel(r.HSMID, []byte(r.HSMLabel))
	if err != nil {
		return keys.Record{}, err
	}
	if err := private.Set(crypto11.CkaPrivate, true); err != nil {
		return keys.Record{}, err
	}
	switch alg {
	case keys.ES256:
		public, err := crypto11.NewAttributeSetWithIDAndLabel(r.HSMID, []byte(r.HSMLabel))
		if err != nil {
			return keys.Record{}, err
		}
		s, err := b.c.GenerateECDSAKeyPairWithAttributes(public, private, elliptic.P256())
		if err != nil {
			return keys.Record{}, unavailable(fmt.Errorf("pkcs11: generate ES256 key %s: %w", id, err))
		}
		r.Public = s.Public()
	case keys.EdDSA:
		if r.Public, err = b.raw.generateEd25519(r.HSMID, []byte(r.HSMLabel)); err != nil {
			return keys.Record{}, unavailable(fmt.Errorf("pkcs11: generate EdDSA key %s: %w", id, err))
		}
	case keys.A256GCM:
		if _, err := b.c.GenerateSecretKeyWithAttributes(private, 256, crypto11.CipherAES); err != nil {
			return keys.Record{}, unavailable(fmt.Errorf("pkcs11: generate A256GCM key %s: %w", id, err))
		}
	}
	return r, nil
}

// Signer implements keys.Backend.
func (b *Backend) Signer(ctx context.Context, r keys.Record) (crypto.Signer, error) {
	if err := own(r); err != nil {
		return nil, err
	}
	b.objects.RLock()
	defer b.objects.RUnlock()
	var s crypto.Signer
	switch r.Alg {
	case keys.ES256:
		cs, err := b.c.FindKeyPair(r.HSMID, nil)
		if err != nil {
			return nil, unavailable(fmt.Errorf("pkcs11: find key %s: %w", r.ID, err))
		}
		if cs == nil {
			return nil, missing(r)
		}
		if _, ok := cs.Public().(*ecdsa.PublicKey); !ok {
			return nil, fmt.Errorf("pkcs11: key %s is not an ECDSA key", r.ID)
		}
		s = cs
	case keys.EdDSA:
		es, err := b.raw.ed25519Signer(r.HSMID)
		if err != nil {
			return nil, err
		}
		if es == nil {
			return nil, missing(r)
		}
		s = es
	default:
		return nil, fmt.Errorf("pkcs11: key %s: %s is not a signing algorithm", r.ID, r.Alg)
	}
	if pub, ok := s.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(r.Public) {
		return nil, fmt.Errorf("pkcs11: the HSM's key %s does not match the public key on record", r.ID)
	}
	return s, nil
}

// AEAD implements keys.Backend: AES-256-GCM computed inside the token.
func (b *Backend) AEAD(ctx context.Context, r keys.Record) (keys.AEAD, error) {
	if err := own(r); err != nil {
		return nil, err
	}
	if r.Alg != keys.A256GCM {
		return nil, fmt.Errorf("pkcs11: key %s is not a wrapping key", r.ID)
	}
	b.objects.RLock()
	k, err := b.c.FindKey(r.HSMID, nil)
	b.objects.RUnlock()
	if err != nil {
		return nil, unavailable(fmt.Errorf("pkcs11: find key %s: %w", r.ID, err))
	}
	if k == nil {
		return nil, missing(r)
	}
	g, err := k.NewGCM()
	if err != nil {
		return nil, fmt.Errorf("pkcs11: key %s: %w", r.ID, err)
	}
	return hsmAEAD{g}, nil
}

// Discard implements keys.Backend: it destroys every object with the key's
// CKA_ID (private, public or secret).
func (b *Backend) Discard(ctx context.Context, r keys.Record) error {
	if err := own(r); err != nil {
		return err
	}
	b.objects.Lock()
	defer b.objects.Unlock()
	return b.raw.destroy(r.HSMID)
}

// Holds reports whether the token still holds key r's private half, for a
// start-up check or an operator's audit of the HSM.
func (b *Backend) Holds(r keys.Record) (bool, error) {
	if err := own(r); err != nil {
		return false, err
	}
	b.objects.RLock()
	defer b.objects.RUnlock()
	n, err := b.raw.count(r.HSMID, privateClass(r.Alg))
	return n > 0, err
}

func own(r keys.Record) error {
	if r.Backend != Name || len(r.HSMID) == 0 {
		return fmt.Errorf("pkcs11: key %s belongs to backend %q", r.ID, r.Backend)
	}
	return nil
}

func missing(r keys.Record) error {
	return fmt.Errorf("pkcs11: the HSM token does not hold key %s (label %s)", r.ID, r.HSMLabel)
}

func privateClass(alg keys.Alg) uint {
	if alg == keys.A256GCM {
		return p11.CKO_SECRET_KEY
	}
	return p11.CKO_PRIVATE_KEY
}

// hsmAEAD adapts crypto11's GCM, which panics when the device fails during
// Seal, to keys.AEAD.
type hsmAEAD struct{ g cipher.AEAD }

func (a hsmAEAD) Seal(nonce, plain, aad []byte) (out []byte, err error) {
	if len(nonce) != keys.NonceSize {
		return nil, fmt.Errorf("pkcs11: nonce must be %d bytes", keys.NonceSize)
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("pkcs11: AES-GCM seal: %v", p)
		}
	}()
	return a.g.Seal(nil, nonce, plain, aad), nil
}

func (a hsmAEAD) Open(nonce, ct, aad []byte) ([]byte, error) {
	if len(nonce) != keys.NonceSize {
		return nil, keys.ErrOpen
	}
	out, err := a.g.Open(nil, nonce, ct, aad)
	if err == nil {
		return out, nil
	}
	// Tokens disagree on how they report a failed tag (SoftHSM2 says
	// CKR_GENERAL_ERROR, others CKR_ENCRYPTED_DATA_INVALID), and crypto11
	// turns the code into text. So ask the token whether it works: if it
	// seals and opens a probe, the fault was the ciphertext's.
	if perr := a.probe(); perr != nil {
		return nil, fmt.Errorf("pkcs11: AES-GCM open: %w (and the token fails a probe: %v)", err, perr)
	}
	return nil, keys.ErrOpen
}

func (a hsmAEAD) probe() error {
	nonce := make([]byte, keys.NonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	msg := []byte("digitalid pkcs11 probe")
	ct, err := a.Seal(nonce, msg, nonce)
	if err != nil {
		return err
	}
	got, err := a.g.Open(nil, nonce, ct, nonce)
	if err != nil || !bytes.Equal(got, msg) {
		return fmt.Errorf("probe does not round-trip: %v", err)
	}
	return nil
}
