package credsource

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/present"
)

func kbPayload(aud string) string {
	enc := base64.RawURLEncoding
	jwt := enc.EncodeToString([]byte(`{"alg":"ES256","typ":"dc+sd-jwt"}`)) + "." + enc.EncodeToString([]byte(`{"iss":"x"}`)) + ".c2ln"
	kb := enc.EncodeToString([]byte(`{"alg":"ES256","typ":"kb+jwt"}`)) + "." + enc.EncodeToString([]byte(`{"aud":"`+aud+`","iat":1}`)) + ".c2ln"
	return "DID1:" + jwt + "~" + kb
}

func TestAudience(t *testing.T) {
	if aud, ok := audience(kbPayload("student")); !ok || aud != "student" {
		t.Errorf("audience = %q, %v; want student", aud, ok)
	}
	for _, bad := range []string{"", "DID1:", "DID1:a.b.c~", "DID1:a.b.c~x.y", "DID1:a.b.c~x.%%.z", "DIDH:AAAA"} {
		if aud, ok := audience(bad); ok {
			t.Errorf("audience(%q) = %q, want none", bad, aud)
		}
	}
}

// TestOfflinePurposeNotAllowed: an offline code made for a purpose the
// verifier is not registered for is refused as such, before any check.
func TestOfflinePurposeNotAllowed(t *testing.T) {
	verify := Offline((*credential.Service)(nil)) // never reached
	r, err := verify(context.Background(), kbPayload("student"), []string{"age_over_18"})
	if err != nil || r.Outcome != present.Invalid || r.Reason != present.ReasonPurposeNotAllowed || r.Purpose != "student" {
		t.Errorf("Offline(student for a shop) = %+v, %v; want purpose_not_allowed", r, err)
	}
}

// FuzzAudience: the peek at an outside payload never panics.
func FuzzAudience(f *testing.F) {
	f.Add(kbPayload("age_over_18"))
	f.Add("DID1:~")
	f.Add("DID1:a.b.c~~~")
	f.Fuzz(func(t *testing.T, s string) {
		if aud, ok := audience(s); ok && aud == "" {
			t.Fatal("audience accepted an empty aud")
		}
	})
}
