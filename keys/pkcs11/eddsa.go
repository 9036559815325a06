//go:build cgo

package pkcs11

import (
	"crypto"
	"crypto/ed25519"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"

	p11 "github.com/miekg/pkcs11"
)

// PKCS#11 3.0 names that github.com/miekg/pkcs11 v1.1.1 does not define.
const (
	ckkECEdwards            = 0x00000040
	ckmECEdwardsKeyPairGen  = 0x00001055
	ckmEdDSA                = 0x00001057
	maxRawSessions          = 8
	errUserAlreadyLoggedIn  = p11.Error(p11.CKR_USER_ALREADY_LOGGED_IN)
	errAlreadyInitialized   = p11.Error(p11.CKR_CRYPTOKI_ALREADY_INITIALIZED)
	errObjectHandleInvalid  = p11.Error(p11.CKR_OBJECT_HANDLE_INVALID)
	errKeyHandleInvalid     = p11.Error(p11.CKR_KEY_HANDLE_INVALID)
	errSessionHandleInvalid = p11.Error(p11.CKR_SESSION_HANDLE_INVALID)
)

// ed25519Params is CKA_EC_PARAMS for Ed25519: the DER of OID 1.3.101.112.
const ed25519Params = "\x06\x03\x2b\x65\x70"

// token is a direct PKCS#11 connection to the token, for what crypto11 lacks.
// It shares the module crypto11 initialised and never finalises it.
type token struct {
	ctx   *p11.Ctx
	slot  uint
	idle  chan p11.SessionHandle
	slots chan struct{} // one per session that may be open
}

func openToken(cfg Config) (*token, error) {
	ctx := p11.New(cfg.Module)
	if ctx == nil {
		return nil, fmt.Errorf("pkcs11: cannot load %s", cfg.Module)
	}
	if err := ctx.Initialize(); err != nil && !errors.Is(err, errAlreadyInitialized) {
		ctx.Destroy()
		return nil, fmt.Errorf("pkcs11: initialise: %w", err)
	}
	t := &token{ctx: ctx, idle: make(chan p11.SessionHandle, maxRawSessions), slots: make(chan struct{}, maxRawSessions)}
	if err := t.findSlot(cfg.TokenLabel); err != nil {
		ctx.Destroy()
		return nil, err
	}
	// Log in once; the login holds for every session of this process.
	err := t.with(func(s p11.SessionHandle) error {
		if err := ctx.Login(s, p11.CKU_USER, cfg.PIN); err != nil && !errors.Is(err, errUserAlreadyLoggedIn) {
			return fmt.Errorf("pkcs11: log in to token %q: %w", cfg.TokenLabel, err)
		}
		return nil
	})
	if err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

func (t *token) findSlot(label string) error {
	slots, err := t.ctx.GetSlotList(true)
	if err != nil {
		return fmt.Errorf("pkcs11: list slots: %w", err)
	}
	for _, s := range slots {
		ti, err := t.ctx.GetTokenInfo(s)
		if err == nil && ti.Label == label {
			t.slot = s
			return nil
		}
	}
	return fmt.Errorf("pkcs11: no token labelled %q", label)
}

// with runs fn on a session of its own (PKCS#11 sessions are not for
// concurrent use), opening one when none is idle and fewer than
// maxRawSessions are open.
func (t *token) with(fn func(p11.SessionHandle) error) error {
	var s p11.SessionHandle
	select {
	case s = <-t.idle:
	case t.slots <- struct{}{}:
		var err error
		if s, err = t.ctx.OpenSession(t.slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION); err != nil {
			<-t.slots
			return fmt.Errorf("pkcs11: open session: %w", err)
		}
	}
	err := fn(s)
	if errors.Is(err, errSessionHandleInvalid) {
		_ = t.ctx.CloseSession(s)
		<-t.slots
		return err
	}
	t.idle <- s
	return err
}

// close closes this connection's sessions and unloads its handle on the
// module, leaving crypto11's initialisation in place.
func (t *token) close() {
	for {
		select {
		case s := <-t.idle:
			_ = t.ctx.CloseSession(s)
			<-t.slots
		default:
			t.ctx.Destroy()
			return
		}
	}
}

func (t *token) generateEd25519(id, label []byte) (ed25519.PublicKey, error) {
	common := []*p11.Attribute{
		p11.NewAttribute(p11.CKA_KEY_TYPE, ckkECEdwards),
		p11.NewAttribute(p11.CKA_TOKEN, true),
		p11.NewAttribute(p11.CKA_ID, id),
		p11.NewAttribute(p11.CKA_LABEL, label),
	}
	public := append([]*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PUBLIC_KEY),
		p11.NewAttribute(p11.CKA_VERIFY, true),
		p11.NewAttribute(p11.CKA_EC_PARAMS, []byte(ed25519Params)),
	}, common...)
	private := append([]*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_EXTRACTABLE, false),
	}, common...)
	var pub ed25519.PublicKey
	err := t.with(func(s p11.SessionHandle) error {
		mech := []*p11.Mechanism{p11.NewMechanism(ckmECEdwardsKeyPairGen, nil)}
		pubH, _, err := t.ctx.GenerateKeyPair(s, mech, public, private)
		if err != nil {
			return err
		}
		pub, err = t.ed25519Public(s, pubH)
		return err
	})
	return pub, err
}

// ed25519Public reads CKA_EC_POINT, which tokens return either raw or, as
// PKCS#11 3.0 says, as a DER OCTET STRING.
func (t *token) ed25519Public(s p11.SessionHandle, h p11.ObjectHandle) (ed25519.PublicKey, error) {
	attrs, err := t.ctx.GetAttributeValue(s, h, []*p11.Attribute{p11.NewAttribute(p11.CKA_EC_POINT, nil)})
	if err != nil {
		return nil, fmt.Errorf("pkcs11: read Ed25519 public key: %w", err)
	}
	point := attrs[0].Value
	if len(point) != ed25519.PublicKeySize {
		var inner []byte
		if rest, err := asn1.Unmarshal(point, &inner); err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("pkcs11: malformed Ed25519 CKA_EC_POINT")
		}
		point = inner
	}
	if len(point) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("pkcs11: Ed25519 public key has %d bytes", len(point))
	}
	return ed25519.PublicKey(point), nil
}

// find returns the handles of the objects with CKA_ID id (and class, when
// not ^0).
func (t *token) find(s p11.SessionHandle, id []byte, class uint) ([]p11.ObjectHandle, error) {
	tmpl := []*p11.Attribute{p11.NewAttribute(p11.CKA_ID, id)}
	if class != ^uint(0) {
		tmpl = append(tmpl, p11.NewAttribute(p11.CKA_CLASS, class))
	}
	if err := t.ctx.FindObjectsInit(s, tmpl); err != nil {
		return nil, fmt.Errorf("pkcs11: find objects: %w", err)
	}
	var all []p11.ObjectHandle
	for {
		hs, _, err := t.ctx.FindObjects(s, 16)
		if err != nil {
			_ = t.ctx.FindObjectsFinal(s)
			return nil, fmt.Errorf("pkcs11: find objects: %w", err)
		}
		if len(hs) == 0 {
			break
		}
		all = append(all, hs...)
	}
	if err := t.ctx.FindObjectsFinal(s); err != nil {
		return nil, fmt.Errorf("pkcs11: find objects: %w", err)
	}
	return all, nil
}

func (t *token) count(id []byte, class uint) (int, error) {
	var n int
	err := t.with(func(s p11.SessionHandle) error {
		hs, err := t.find(s, id, class)
		n = len(hs)
		return err
	})
	return n, err
}

// destroy deletes every object with CKA_ID id.
func (t *token) destroy(id []byte) error {
	return t.with(func(s p11.SessionHandle) error {
		hs, err := t.find(s, id, ^uint(0))
		if err != nil {
			return err
		}
		for _, h := range hs {
			if err := t.ctx.DestroyObject(s, h); err != nil {
				return fmt.Errorf("pkcs11: destroy object: %w", err)
			}
		}
		return nil
	})
}

// ed25519Signer returns the signer of the Ed25519 key with CKA_ID id, or nil
// when the token holds none.
func (t *token) ed25519Signer(id []byte) (*edSigner, error) {
	es := &edSigner{t: t, id: id}
	err := t.with(func(s p11.SessionHandle) error {
		priv, err := t.find(s, id, p11.CKO_PRIVATE_KEY)
		if err != nil || len(priv) == 0 {
			return err
		}
		pub, err := t.find(s, id, p11.CKO_PUBLIC_KEY)
		if err != nil {
			return err
		}
		if len(priv) != 1 || len(pub) != 1 {
			return fmt.Errorf("pkcs11: %d private and %d public objects share one key id", len(priv), len(pub))
		}
		es.handle = priv[0]
		es.pub, err = t.ed25519Public(s, pub[0])
		return err
	})
	if err != nil || es.pub == nil {
		return nil, err
	}
	return es, nil
}

// edSigner signs with an Ed25519 key inside the token (CKM_EDDSA, pure
// Ed25519 over the whole message).
type edSigner struct {
	t      *token
	id     []byte
	handle p11.ObjectHandle
	pub    ed25519.PublicKey
}

func (e *edSigner) Public() crypto.PublicKey { return e.pub }

func (e *edSigner) Sign(_ io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != 0 {
		return nil, errors.New("pkcs11: Ed25519 signs the message itself, not a digest")
	}
	var sig []byte
	err := e.t.with(func(s p11.SessionHandle) error {
		if err := e.t.ctx.SignInit(s, []*p11.Mechanism{p11.NewMechanism(ckmEdDSA, nil)}, e.handle); err != nil {
			return err
		}
		var err error
		sig, err = e.t.ctx.Sign(s, msg)
		return err
	})
	if errors.Is(err, errObjectHandleInvalid) || errors.Is(err, errKeyHandleInvalid) {
		return nil, fmt.Errorf("pkcs11: Ed25519 key %s is gone from the token: %w", e.id, err)
	}
	if err != nil {
		return nil, fmt.Errorf("pkcs11: Ed25519 sign: %w", err)
	}
	return sig, nil
}
