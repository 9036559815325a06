package account

import (
	"context"
	"fmt"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/seal"
)

// Names of the platform secrets the account services use (see LoadKeys).
const (
	SecretPhoneIndex = "account-phone-index" // HMAC key: phone number → lookup key
	SecretPhoneSeal  = "account-phone-seal"  // AES-256-GCM key: phone, birth date, device names
	SecretOTP        = "account-otp"         // HMAC key: one-time codes
	SecretIPIndex    = "account-ip-index"    // HMAC key: client address → rate-limit key
)

// keySize is the length of every account secret.
const keySize = 32

// Secrets gives platform secrets by name, creating them on first use. The
// keys.Manager implements it; the secrets are wrapped by the KeyStore, so a
// copy of the database alone cannot recompute a phone lookup key or open a
// sealed phone number.
type Secrets interface {
	LoadOrCreateSecret(ctx context.Context, name string) ([]byte, error)
}

// Keys are the secrets the account services hold in memory. Load them once at
// start with LoadKeys and pass the same Keys to every service.
type Keys struct {
	PhoneIndex []byte // HMAC-SHA256 key for phone lookup keys
	PhoneSeal  []byte // AES-256-GCM key sealing personal data, bound to the row's id
	OTP        []byte // HMAC-SHA256 key for one-time code hashes
	IPIndex    []byte // HMAC-SHA256 key for client-address rate-limit keys
}

// LoadKeys loads (or, the first time, creates) the account secrets.
func LoadKeys(ctx context.Context, s Secrets) (Keys, error) {
	var k Keys
	for _, x := range []struct {
		name string
		dst  *[]byte
	}{
		{SecretPhoneIndex, &k.PhoneIndex},
		{SecretPhoneSeal, &k.PhoneSeal},
		{SecretOTP, &k.OTP},
		{SecretIPIndex, &k.IPIndex},
	} {
		v, err := s.LoadOrCreateSecret(ctx, x.name)
		if err != nil {
			return Keys{}, fmt.Errorf("account: load secret %s: %w", x.name, err)
		}
		*x.dst = v
	}
	return k, k.check()
}

// check reports a missing or short key.
func (k Keys) check() error {
	for name, v := range map[string][]byte{
		SecretPhoneIndex: k.PhoneIndex, SecretPhoneSeal: k.PhoneSeal, SecretOTP: k.OTP, SecretIPIndex: k.IPIndex,
	} {
		if len(v) != keySize {
			return digitalid.Errorf(digitalid.EINVALID, "account: secret %s must be %d bytes", name, keySize)
		}
	}
	return nil
}

// sealer checks the keys and returns the sealer of personal data.
func (k Keys) sealer() (sealer, error) {
	if err := k.check(); err != nil {
		return sealer{}, err
	}
	return newSealer(k.PhoneSeal)
}

// mac returns HMAC-SHA256(key, domain || 0 || msg) (seal.MAC).
func mac(key []byte, domain, msg string) []byte { return seal.MAC(key, domain, msg) }

// sealer encrypts personal data with AES-256-GCM, bound to a context string
// (the row's id) so that a ciphertext copied to another row does not open
// (seal.Box).
type sealer struct{ box seal.Box }

func newSealer(key []byte) (sealer, error) {
	if len(key) != keySize {
		return sealer{}, digitalid.Errorf(digitalid.EINVALID, "account: sealing key must be %d bytes", keySize)
	}
	b, err := seal.New(key)
	if err != nil {
		return sealer{}, fmt.Errorf("account: sealing key: %w", err)
	}
	return sealer{box: b}, nil
}

func (s sealer) seal(plain, aad string) []byte { return s.box.Seal(plain, aad) }

func (s sealer) open(sealed []byte, aad string) (string, error) { return s.box.Open(sealed, aad) }
