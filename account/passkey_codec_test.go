package account

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// NewTestCredential returns a software authenticator's new P-256
// credential. virtualwebauthn writes key coordinates without leading zero
// bytes, which the library rightly refuses, so keys whose X or Y is shorter
// than 32 bytes are drawn again. (Exported for the account_test package.)
func NewTestCredential() virtualwebauthn.Credential {
	for {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		if len(k.X.Bytes()) != 32 || len(k.Y.Bytes()) != 32 {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		return virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der)
	}
}

// testRP is a relying party for the codec tests.
func testRP(t testing.TB) *webauthn.WebAuthn {
	t.Helper()
	wa, err := webauthn.New(&webauthn.Config{RPID: "digitalid.test", RPDisplayName: "digitalid", RPOrigins: []string{"https://digitalid.test"},
		AuthenticatorSelection: protocol.AuthenticatorSelection{UserVerification: protocol.VerificationRequired}})
	if err != nil {
		t.Fatalf("webauthn.New: %v", err)
	}
	return wa
}

// sampleStored registers a credential with a software authenticator and
// returns the stored forms of the ceremony and the credential, and the
// browser's response, as seeds and fixtures.
func sampleStored(t testing.TB) (ceremony []byte, cred *webauthn.Credential, stored, response []byte) {
	t.Helper()
	wa := testRP(t)
	user := passkeyUser{handle: bytes.Repeat([]byte{7}, 32), name: "+77010000000"}
	creation, sd, err := wa.BeginRegistration(user, webauthn.WithExclusions([]protocol.CredentialDescriptor{
		{Type: protocol.PublicKeyCredentialType, CredentialID: []byte("an excluded credential")}}))
	if err != nil {
		t.Fatalf("BeginRegistration: %v", err)
	}
	if ceremony, err = encodeCeremony(sd); err != nil {
		t.Fatalf("encodeCeremony: %v", err)
	}
	options, _ := json.Marshal(creation.Response)
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		t.Fatalf("ParseAttestationOptions: %v", err)
	}
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: user.handle, BackupEligible: true})
	response = []byte(virtualwebauthn.CreateAttestationResponse(
		virtualwebauthn.RelyingParty{ID: "digitalid.test", Name: "digitalid", Origin: "https://digitalid.test"},
		auth, NewTestCredential(), *o))
	parsed, err := parseAttestation(response)
	if err != nil {
		t.Fatalf("parseAttestation: %v", err)
	}
	if cred, err = wa.CreateCredential(user, *sd, parsed); err != nil {
		t.Fatalf("CreateCredential: %v", err)
	}
	if stored, err = encodeCredential(cred); err != nil {
		t.Fatalf("encodeCredential: %v", err)
	}
	return ceremony, cred, stored, response
}

// TestStoredForms: what is stored decodes to what verification needs.
func TestStoredForms(t *testing.T) {
	ceremony, cred, stored, _ := sampleStored(t)
	sd, err := decodeCeremony(ceremony)
	if err != nil || len(sd.Challenge) == 0 || len(sd.UserID) != 32 || sd.UserVerification != protocol.VerificationRequired {
		t.Errorf("decodeCeremony = %+v, %v; want the challenge, user handle and UV requirement", sd, err)
	}
	got, err := decodeCredential(cred.ID, 41, stored)
	if err != nil {
		t.Fatalf("decodeCredential = %v", err)
	}
	want := *cred
	want.Authenticator.SignCount, want.Attestation, want.Extensions = 41, webauthn.CredentialAttestation{}, webauthn.CredentialExtensions{}
	want.Flags = webauthn.CredentialFlags{UserPresent: true, UserVerified: true, BackupEligible: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodeCredential = %+v\nwant %+v", got, want)
	}
	for name, b := range map[string][]byte{
		"not JSON":      []byte("{"),
		"trailing data": append(append([]byte{}, stored...), []byte(" {}")...),
		"version 2":     withField(t, stored, "v", 2),
		"bad key":       withField(t, stored, "public_key", "AAAA"),
		"short AAGUID":  withField(t, stored, "aaguid", "AAAA"),
		"no id":         nil,
	} {
		id := cred.ID
		if b == nil {
			id, b = nil, stored
		}
		if _, err := decodeCredential(id, 0, b); err == nil {
			t.Errorf("decodeCredential(%s) = nil error, want a refusal", name)
		}
	}
	for name, b := range map[string][]byte{
		"not JSON":        []byte("["),
		"short challenge": []byte(`{"challenge":"AAAA"}`),
		"empty allowed":   []byte(`{"challenge":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","allowed_credentials":[""]}`),
	} {
		if _, err := decodeCeremony(b); err == nil {
			t.Errorf("decodeCeremony(%s) = nil error, want a refusal", name)
		}
	}
}

// withField returns the JSON object b with key set to v.
func withField(t *testing.T, b []byte, key string, v any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("stored credential: %v", err)
	}
	m[key] = v
	out, _ := json.Marshal(m)
	return out
}

// FuzzDecodeCeremony: any stored ceremony either is refused or decodes to
// session data that encodes and decodes to itself.
func FuzzDecodeCeremony(f *testing.F) {
	ceremony, _, _, _ := sampleStored(f)
	f.Add(ceremony)
	f.Add([]byte(`{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","user_id":"AAAA","allowed_credentials":["AA=="]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","user_id":"","allowed_credentials":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := decodeCeremony(b)
		if err != nil {
			return
		}
		again, err := encodeCeremony(&sd)
		if err != nil {
			t.Fatalf("encodeCeremony(decoded %q) = %v", b, err)
		}
		sd2, err := decodeCeremony(again)
		if err != nil || !reflect.DeepEqual(sd.AllowedCredentialIDs, sd2.AllowedCredentialIDs) || sd.Challenge != sd2.Challenge ||
			!bytes.Equal(sd.UserID, sd2.UserID) {
			t.Fatalf("decodeCeremony(encodeCeremony(%+v)) = %+v, %v", sd, sd2, err)
		}
	})
}

// FuzzDecodeCredential: any stored credential either is refused or gives
// a usable public key and encodes back to an equal credential.
func FuzzDecodeCredential(f *testing.F) {
	_, cred, stored, _ := sampleStored(f)
	f.Add(cred.ID, uint32(0), stored)
	f.Add([]byte{1}, uint32(1<<31), []byte(`{"v":1,"public_key":"pQECAyYgASFYIA","transports":["usb"]}`))
	f.Fuzz(func(t *testing.T, id []byte, count uint32, b []byte) {
		c, err := decodeCredential(id, count, b)
		if err != nil {
			return
		}
		if c.Authenticator.SignCount != count || !bytes.Equal(c.ID, id) {
			t.Fatalf("decodeCredential(%q) = %+v; lost the id or counter", b, c)
		}
		again, err := encodeCredential(&c)
		if err != nil {
			t.Fatalf("encodeCredential(%+v) = %v", c, err)
		}
		c2, err := decodeCredential(id, count, again)
		if err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("decodeCredential(encodeCredential(%+v)) = %+v, %v", c, c2, err)
		}
	})
}

// FuzzParsePasskeyResponse: a browser's response never panics the parsers,
// and a refused one carries a passkey error key.
func FuzzParsePasskeyResponse(f *testing.F) {
	_, _, _, response := sampleStored(f)
	f.Add(response)
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"authenticatorData":"","clientDataJSON":"","signature":""}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := parseAttestation(b); err != nil && reasonOf(err) == "error" {
			t.Fatalf("parseAttestation(%q) = %v, want a keyed error", b, err)
		}
		if _, err := parseAssertion(b); err != nil && reasonOf(err) == "error" {
			t.Fatalf("parseAssertion(%q) = %v, want a keyed error", b, err)
		}
	})
}
