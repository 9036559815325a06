package verify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid/credential/statuslist"
	"github.com/digitalid/digitalid/sdjwt"
)

func TestVerifyValid(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(is.config())
	r := verify(v, is.ageOver18())
	want(t, "Verify(age_over_18)", r, Valid, "")
	if !reflect.DeepEqual(r.Claims, map[string]any{"age_over_18": true}) {
		t.Errorf("Verify(age_over_18).Claims = %v, want only age_over_18: true", r.Claims)
	}
	now := is.clock()
	if r.Type != "urn:digitalid:age_over_18" || !r.PresentedAt.Equal(now) || !r.IssuedAt.Equal(now.Add(-time.Hour)) ||
		!r.StatusAsOf.Equal(now) || !r.CheckedAt.Equal(now) || r.Purpose != "age_over_18" {
		t.Errorf("Verify(age_over_18) = %+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(b), `"outcome":"valid"`) || strings.Contains(string(b), "Erika") {
		t.Errorf("json.Marshal(Result) = %s, %v", b, err)
	}
}

// TestVerifyRefuses is the offline tamper corpus: each presentation is
// refused with its own reason.
func TestVerifyRefuses(t *testing.T) {
	tests := []struct {
		name    string
		payload func(is *issuer) string
		purpose Purpose
		before  func(is *issuer) // runs before the payload is made
		outcome Outcome
		reason  string
	}{
		{
			name: "tampered disclosure",
			payload: func(is *issuer) string {
				p := is.ageOver18()
				parts := strings.Split(p, "~")
				raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
				forged := strings.Replace(string(raw), "true", "false", 1)
				parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
				return strings.Join(parts, "~")
			},
			outcome: Invalid, reason: sdjwt.ErrUnreferencedDisclosure.Code,
		},
		{
			name: "tampered Issuer-signed JWT",
			payload: func(is *issuer) string {
				p := strings.TrimPrefix(is.ageOver18(), PayloadPrefix)
				jwt, rest, _ := strings.Cut(p, "~")
				h, body, _ := strings.Cut(jwt, ".")
				payload, sig, _ := strings.Cut(body, ".")
				raw, _ := base64.RawURLEncoding.DecodeString(payload)
				raw = []byte(strings.Replace(string(raw), `"vct":"urn:digitalid:age_over_18"`, `"vct":"urn:digitalid:age_over_21"`, 1))
				return FormatPayload(h + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + sig + "~" + rest)
			},
			outcome: Invalid, reason: sdjwt.ErrSignature.Code,
		},
		{
			name: "extra disclosure beyond the purpose",
			payload: func(is *issuer) string {
				return is.present(is.credential(nil), "age_over_18", 0, "age_over_18", "given_name")
			},
			outcome: Invalid, reason: ReasonPurposeMismatch,
		},
		{
			name: "claim in the clear beyond the purpose",
			payload: func(is *issuer) string {
				return is.present(is.credential(func(c map[string]any) { c["sub"] = "citizen-17" }), "age_over_18", 0, "age_over_18")
			},
			outcome: Invalid, reason: ReasonPurposeMismatch,
		},
		{
			name:    "purpose claim not disclosed",
			payload: func(is *issuer) string { return is.present(is.credential(nil), "age_over_18", 0) },
			outcome: Invalid, reason: ReasonMissingClaim,
		},
		{
			name: "expired credential",
			payload: func(is *issuer) string {
				sd := is.credential(nil)
				is.advance(31 * 24 * time.Hour)
				return is.present(sd, "age_over_18", 0, "age_over_18")
			},
			outcome: Invalid, reason: sdjwt.ErrExpired.Code,
		},
		{
			name: "stale KB-JWT (code drawn 40 s ago)",
			payload: func(is *issuer) string {
				return is.present(is.credential(nil), "age_over_18", 40*time.Second, "age_over_18")
			},
			outcome: Invalid, reason: sdjwt.ErrKBStale.Code,
		},
		{
			name:    "KB-JWT for another purpose",
			payload: func(is *issuer) string { return is.present(is.credential(nil), "age_over_21", 0, "age_over_18") },
			outcome: Invalid, reason: sdjwt.ErrAud.Code,
		},
		{
			name: "no key binding (a copied credential)",
			payload: func(is *issuer) string {
				p, err := sdjwt.Present(is.credential(nil), sdjwt.Select(sdjwt.Path{"age_over_18"}), nil)
				if err != nil {
					t.Fatal(err)
				}
				return FormatPayload(p)
			},
			outcome: Invalid, reason: ReasonNoKeyBinding,
		},
		{
			name:    "revoked",
			before:  func(is *issuer) { is.setStatus(testIdx, statuslist.Invalid) },
			payload: (*issuer).ageOver18,
			outcome: Invalid, reason: ReasonRevoked,
		},
		{
			name:    "suspended",
			before:  func(is *issuer) { is.setStatus(testIdx, statuslist.Suspended) },
			payload: (*issuer).ageOver18,
			outcome: Invalid, reason: ReasonSuspended,
		},
		{
			name:    "application-specific status",
			before:  func(is *issuer) { is.setStatus(testIdx, 3) },
			payload: (*issuer).ageOver18,
			outcome: Invalid, reason: ReasonStatusOther,
		},
		{
			name: "index beyond the status list",
			payload: func(is *issuer) string {
				sd := is.credential(func(c map[string]any) { c["status"] = statuslist.Reference{Idx: 50_000, URI: is.status}.Claim() })
				return is.present(sd, "age_over_18", 0, "age_over_18")
			},
			outcome: Invalid, reason: ReasonStatusIndex,
		},
		{
			name: "no status claim",
			payload: func(is *issuer) string {
				return is.present(is.credential(func(c map[string]any) { delete(c, "status") }), "age_over_18", 0, "age_over_18")
			},
			outcome: Invalid, reason: ReasonNoStatus,
		},
		{
			name: "another issuer",
			payload: func(is *issuer) string {
				return is.present(is.credential(func(c map[string]any) { c["iss"] = "https://id.example.org" }), "age_over_18", 0, "age_over_18")
			},
			outcome: Invalid, reason: ReasonIssuer,
		},
		{name: "unknown purpose", payload: (*issuer).ageOver18, purpose: "age_over_99", outcome: Invalid, reason: ReasonUnknownPurpose},
		{name: "not a payload", payload: func(*issuer) string { return "https://example.com/" }, outcome: Invalid, reason: ReasonMalformed},
		{name: "another payload version", payload: func(*issuer) string { return "DID2:eyJ~" }, outcome: Invalid, reason: ReasonUnsupported},
		{name: "too large", payload: func(*issuer) string { return strings.Repeat("A~", MaxPayloadLen) }, outcome: Invalid, reason: ReasonTooLarge},
		{name: "garbage SD-JWT", payload: func(*issuer) string { return "DID1:abc~def~" }, outcome: Invalid, reason: sdjwt.ErrMalformed.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newIssuer(t)
			if tt.before != nil {
				tt.before(is)
			}
			v := is.verifier(is.config())
			purpose := tt.purpose
			if purpose == "" {
				purpose = "age_over_18"
			}
			r := v.Verify(context.Background(), tt.payload(is), purpose)
			want(t, "Verify("+tt.name+")", r, tt.outcome, tt.reason)
			if r.Claims != nil {
				t.Errorf("Verify(%s).Claims = %v, want none", tt.name, r.Claims)
			}
		})
	}
}

// TestVerifyConcurrent shares one Verifier between goroutines, as a
// scanner server does (run with -race).
func TestVerifyConcurrent(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(is.config())
	payloads := make([]string, 8)
	for i := range payloads {
		payloads[i] = is.ageOver18()
	}
	var wg sync.WaitGroup
	for _, p := range payloads {
		wg.Go(func() {
			for range 5 {
				if r := verify(v, p); !r.Valid() {
					t.Errorf("Verify = %s %q (%v)", r.Outcome, r.Reason, r.Err)
				}
			}
		})
	}
	wg.Wait()
	if n := is.jwksHits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times by concurrent scans, want 1", n)
	}
}
