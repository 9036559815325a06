// Package pkcs11 is the KeyStore backend for hardware security modules: keys
// are generated inside the token (sensitive, non-extractable), signing and
// AES-GCM wrapping happen inside it, and the database keeps only each key's
// HSM label and id. It is tested against SoftHSM2; production points Module
// at the HSM vendor's PKCS#11 library.
//
// ES256 and AES-256-GCM go through github.com/ThalesGroup/crypto11. Ed25519
// (CKM_EDDSA), which crypto11 v1.5.0 does not offer, goes through
// github.com/miekg/pkcs11 directly on the same module.
//
// The package needs cgo. Built without it, Open returns an error saying so.
package pkcs11

import "log/slog"

// Name is keys.Key.Backend for keys held in an HSM.
const Name = "pkcs11"

// Config says which token to use. The PIN comes from the environment or a
// flag and is never logged: Config logs and prints without it.
type Config struct {
	Module     string // path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so
	TokenLabel string // label of the token holding the platform's keys
	PIN        string // user PIN of the token
}

// LogValue logs the module and token, never the PIN.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("module", c.Module), slog.String("token", c.TokenLabel))
}

// String keeps fmt from printing the PIN.
func (c Config) String() string { return "pkcs11.Config{" + c.Module + ", token " + c.TokenLabel + "}" }

// GoString keeps %#v from printing the PIN.
func (c Config) GoString() string { return c.String() }
