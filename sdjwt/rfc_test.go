package sdjwt

import (
	"crypto"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The RFC examples are signed by the A.5 Issuer key without kid; their KB-JWTs
// were made at 1748537244 for this Verifier and nonce.
const (
	rfcKBTime = 1748537244
	rfcAud    = "https://verifier.example.org"
	rfcNonce  = "1234567890"
)

func rfcOpts(t *testing.T, typ string, kb bool) VerifyOptions {
	issuer := readJWK(t, "issuer-key.json").Public()
	return VerifyOptions{
		IssuerKeys:        &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{issuer}},
		ExpectedTyp:       typ,
		RequireKeyBinding: kb,
		Aud:               rfcAud,
		Nonce:             rfcNonce,
		Now:               func() time.Time { return time.Unix(rfcKBTime+10, 0) },
	}
}

// TestRFCDisclosures checks decoding and digests against RFC 9901 sections
// 4.2.1, 4.2.2, 4.2.3 and 5.1, byte for byte.
func TestRFCDisclosures(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "disclosures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Section    string
		Disclosure string
		Digest     string
		Contents   json.RawMessage
	}
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors {
		t.Run(v.Section, func(t *testing.T) {
			d, err := decodeDisclosure(v.Disclosure, DefaultMaxDepth)
			if err != nil {
				t.Fatalf("decodeDisclosure(%q) = %v", v.Disclosure, err)
			}
			if v.Digest != "" && d.Digest != v.Digest {
				t.Errorf("digest(%q) = %s, want %s", v.Disclosure, d.Digest, v.Digest)
			}
			want, _ := decodeJSON(v.Contents, DefaultMaxDepth)
			got := []any{d.Salt, d.Name, d.Value}
			if d.ArrayElement {
				got = []any{d.Salt, d.Value}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decodeDisclosure(%q) = %v, want %v", v.Disclosure, got, want)
			}
		})
	}
}

// TestRFCPresentations verifies every example presentation of RFC 9901 with
// the example Issuer key and compares the Processed SD-JWT Payload with the
// one the RFC prints.
func TestRFCPresentations(t *testing.T) {
	tests := []struct {
		name, file, processed, typ string
		keyBinding                 bool
	}{
		{"5.2 SD-JWT+KB", "rfc-5.2-presentation.txt", "rfc-5.2-processed.json", "example+sd-jwt", true},
		{"A.1 structured, decoys", "rfc-a.1-presentation.txt", "rfc-a.1-processed.json", "example+sd-jwt", false},
		{"A.2 complex structured", "rfc-a.2-presentation.txt", "rfc-a.2-processed.json", "example+sd-jwt", false},
		{"A.3 SD-JWT VC, recursive", "rfc-a.3-presentation.txt", "rfc-a.3-processed.json", "vc+sd-jwt", false},
		{"A.4 W3C VC, SD-JWT+KB", "rfc-a.4-presentation.txt", "rfc-a.4-processed.json", "example+sd-jwt", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := readVector(t, tt.file)
			v, err := Verify(p, rfcOpts(t, tt.typ, tt.keyBinding))
			if err != nil {
				t.Fatalf("Verify(%s) = %v", tt.file, err)
			}
			if v.KeyBound != tt.keyBinding {
				t.Errorf("Verify(%s).KeyBound = %v, want %v", tt.file, v.KeyBound, tt.keyBinding)
			}
			sameJSON(t, any(v.Claims), readJSON(t, tt.processed))
		})
	}
}

// TestRFCSDHash recomputes the sd_hash of section 5.2 over the presentation
// up to and including its last "~".
func TestRFCSDHash(t *testing.T) {
	p := readVector(t, "rfc-5.2-presentation.txt")
	sd, err := Parse(p)
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	if got, want := digest(sd.sdPart()), "0_Af-2B-EhLWX5ydh_w2xzwmO6iM66B_2QCEanI4fUY"; got != want {
		t.Errorf("sd_hash = %s, want %s", got, want)
	}
	if sd.String() != p {
		t.Errorf("Parse(p).String() differs from p")
	}
}

// TestRFCIssuanceHolder processes the issued SD-JWT of section 5.1 as a
// Holder, presents the claims of section 5.2 with the A.5 Holder key, and
// verifies the result, so Present and Verify agree with the RFC's Issuer.
func TestRFCIssuanceHolder(t *testing.T) {
	issued := readVector(t, "rfc-5.1-issuance.txt")
	full, err := Verify(issued, rfcOpts(t, "example+sd-jwt", false))
	if err != nil {
		t.Fatalf("Verify(5.1 issuance) = %v", err)
	}
	if len(full.Disclosed) != 10 || full.Claims["phone_number_verified"] != true {
		t.Fatalf("Verify(5.1 issuance) disclosed %v, claims %v", full.Disclosed, full.Claims)
	}
	sd, err := Parse(issued)
	if err != nil {
		t.Fatalf("Parse(5.1 issuance) = %v", err)
	}
	holder, ok := readJWK(t, "holder-key.json").Key.(crypto.Signer)
	if !ok {
		t.Fatal("holder-key.json holds no private key")
	}
	kb := &KeyBindingOptions{Signer: holder, Aud: rfcAud, Nonce: rfcNonce, IssuedAt: time.Unix(rfcKBTime, 0)}
	selected := Select(Path{"given_name"}, Path{"family_name"}, Path{"address"}, Path{"nationalities", "0"})
	p, err := Present(sd, selected, kb)
	if err != nil {
		t.Fatalf("Present(5.1 issuance) = %v", err)
	}
	v, err := Verify(p, rfcOpts(t, "example+sd-jwt", true))
	if err != nil {
		t.Fatalf("Verify(Present(5.1 issuance)) = %v", err)
	}
	sameJSON(t, any(v.Claims), readJSON(t, "rfc-5.2-processed.json"))

	// The same four Disclosures as the RFC's own presentation, in any order.
	rfc, err := Parse(readVector(t, "rfc-5.2-presentation.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ours, _ := Parse(p)
	want := map[string]bool{}
	for _, d := range rfc.Disclosures {
		want[d.Encoded] = true
	}
	for _, d := range ours.Disclosures {
		if !want[d.Encoded] {
			t.Errorf("Present disclosed %s, which the RFC presentation does not", d.Encoded)
		}
	}
	if len(ours.Disclosures) != len(want) {
		t.Errorf("Present disclosed %d Disclosures, want %d", len(ours.Disclosures), len(want))
	}
}
