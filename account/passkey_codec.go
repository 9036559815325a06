package account

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
)

// The stored forms of ceremonies and credentials. Both are JSON written by
// this package; both are decoded strictly, since a row is outside bytes too
// (a restored backup, a hand-edited database), and the decoders are fuzzed.

// Bounds a stored form must respect.
const (
	maxStoredCeremony   = 16 << 10
	maxStoredCredential = 8 << 10
	maxCredentialID     = 1023 // WebAuthn's limit on credential id length
	maxAllowed          = MaxPasskeys
	maxTransports       = 8
)

// encodeCeremony returns the stored form of the library's session data.
func encodeCeremony(sd *webauthn.SessionData) ([]byte, error) {
	b, err := json.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("account: encode passkey ceremony: %w", err)
	}
	return b, nil
}

// decodeCeremony parses a stored ceremony and checks what verification will
// rely on: a challenge of at least 16 random bytes, a user handle of at most
// 64 bytes, and sane allowed credential ids.
func decodeCeremony(b []byte) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if err := decodeJSON(b, maxStoredCeremony, &sd); err != nil {
		return webauthn.SessionData{}, fmt.Errorf("stored ceremony: %w", err)
	}
	ch, err := base64.RawURLEncoding.DecodeString(sd.Challenge)
	switch {
	case err != nil || len(ch) < protocol.MinimumChallengeLength:
		return webauthn.SessionData{}, errors.New("stored ceremony: bad challenge")
	case len(sd.UserID) > 64:
		return webauthn.SessionData{}, errors.New("stored ceremony: user handle too long")
	case len(sd.AllowedCredentialIDs) > maxAllowed:
		return webauthn.SessionData{}, errors.New("stored ceremony: too many allowed credentials")
	}
	for _, id := range sd.AllowedCredentialIDs {
		if len(id) == 0 || len(id) > maxCredentialID {
			return webauthn.SessionData{}, errors.New("stored ceremony: bad allowed credential id")
		}
	}
	if len(sd.AllowedCredentialIDs) == 0 {
		sd.AllowedCredentialIDs = nil // an empty list allows any, as none does
	}
	return sd, nil
}

// storedCredential is what a passkey row keeps of a webauthn.Credential
// besides its id and counter (columns of their own): enough to verify
// assertions, in a form that does not change with the library.
type storedCredential struct {
	Version        int      `json:"v"`
	PublicKey      []byte   `json:"public_key"` // COSE_Key
	AAGUID         []byte   `json:"aaguid,omitempty"`
	Format         string   `json:"attestation_format,omitempty"`
	Type           string   `json:"attestation_type,omitempty"`
	Transports     []string `json:"transports,omitempty"`
	Attachment     string   `json:"attachment,omitempty"`
	UserPresent    bool     `json:"up"`
	UserVerified   bool     `json:"uv"`
	BackupEligible bool     `json:"be"`
	BackupState    bool     `json:"bs"`
}

const storedCredentialVersion = 1

// encodeCredential returns the stored form of a newly registered credential.
func encodeCredential(c *webauthn.Credential) ([]byte, error) {
	s := storedCredential{
		Version: storedCredentialVersion, PublicKey: c.PublicKey, AAGUID: c.Authenticator.AAGUID,
		Format: c.AttestationFormat, Type: c.AttestationType, Attachment: string(c.Authenticator.Attachment),
		UserPresent: c.Flags.UserPresent, UserVerified: c.Flags.UserVerified,
		BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState,
	}
	for _, t := range c.Transport {
		s.Transports = append(s.Transports, string(t))
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("account: encode passkey credential: %w", err)
	}
	return b, nil
}

// decodeCredential rebuilds the webauthn.Credential of a stored passkey.
// The public key must parse as a COSE key the library can verify with.
func decodeCredential(id []byte, signCount uint32, b []byte) (webauthn.Credential, error) {
	var s storedCredential
	if err := decodeJSON(b, maxStoredCredential, &s); err != nil {
		return webauthn.Credential{}, fmt.Errorf("stored credential: %w", err)
	}
	switch {
	case s.Version != storedCredentialVersion:
		return webauthn.Credential{}, fmt.Errorf("stored credential: version %d", s.Version)
	case len(id) == 0 || len(id) > maxCredentialID:
		return webauthn.Credential{}, errors.New("stored credential: bad id")
	case len(s.AAGUID) != 0 && len(s.AAGUID) != 16:
		return webauthn.Credential{}, errors.New("stored credential: bad AAGUID")
	case len(s.Transports) > maxTransports:
		return webauthn.Credential{}, errors.New("stored credential: too many transports")
	}
	if _, err := webauthncose.ParsePublicKey(s.PublicKey); err != nil {
		return webauthn.Credential{}, fmt.Errorf("stored credential: public key: %w", err)
	}
	if len(s.AAGUID) == 0 {
		s.AAGUID = nil // "aaguid":"" is no AAGUID, as when it is left out
	}
	c := webauthn.Credential{
		ID: id, PublicKey: s.PublicKey, AttestationFormat: s.Format, AttestationType: s.Type,
		Flags: webauthn.CredentialFlags{
			UserPresent: s.UserPresent, UserVerified: s.UserVerified,
			BackupEligible: s.BackupEligible, BackupState: s.BackupState,
		},
		Authenticator: webauthn.Authenticator{
			AAGUID: s.AAGUID, SignCount: signCount, Attachment: protocol.AuthenticatorAttachment(s.Attachment),
		},
	}
	for _, t := range s.Transports {
		c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
	}
	return c, nil
}

// decodeJSON decodes exactly one JSON value of at most max bytes into v.
func decodeJSON(b []byte, max int, v any) error {
	if len(b) > max {
		return errors.New("too large")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if err := d.Decode(&json.RawMessage{}); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

// parseAttestation and parseAssertion parse a browser's response to
// navigator.credentials.create and .get (PublicKeyCredential.toJSON()).
func parseAttestation(b []byte) (*protocol.ParsedCredentialCreationData, error) {
	return parseResponse(b, protocol.ParseCredentialCreationResponseBytes, passkeyRejected)
}

func parseAssertion(b []byte) (*protocol.ParsedCredentialAssertionData, error) {
	return parseResponse(b, protocol.ParseCredentialRequestResponseBytes, passkeyFailed)
}

// parseResponse bounds the size of b and parses it, giving a parse error
// the caller's key.
func parseResponse[T any](b []byte, parse func([]byte) (T, error), refuse func(error) error) (T, error) {
	var zero T
	if len(b) > MaxPasskeyResponse {
		return zero, passkeyTooLarge()
	}
	p, err := parse(b)
	if err != nil {
		return zero, refuse(err)
	}
	return p, nil
}

// marshalOptions returns the options as the browser takes them: the
// PublicKeyCredentialCreationOptionsJSON or ...RequestOptionsJSON of WebAuthn
// level 3, for PublicKeyCredential.parseCreationOptionsFromJSON (or
// @simplewebauthn/browser's optionsJSON).
func marshalOptions(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("account: encode passkey options: %w", err)
	}
	return b, nil
}
