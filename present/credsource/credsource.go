// Package credsource adapts the credential service to what presentations
// need of it (present.Credentials): the derived attestations, eligibility
// and portrait are computed there, once.
package credsource

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/verify"
)

// New returns the credential service as present.Credentials.
func New(s *credential.Service) present.Credentials { return source{s} }

type source struct{ s *credential.Service }

func (c source) Attestations(ctx context.Context, citizenID string) ([]present.Attestation, error) {
	l, err := c.s.Attestations(ctx, citizenID)
	if err != nil {
		return nil, err
	}
	out := make([]present.Attestation, len(l))
	for i, a := range l {
		out[i] = present.Attestation{Type: a.Type, Claims: a.Claims, SourceDocID: a.SourceDocID, ValidUntil: a.ValidUntil}
	}
	return out, nil
}

func (c source) Eligibility(ctx context.Context, citizenID string) (present.Eligibility, error) {
	e, err := c.s.Eligibility(ctx, citizenID)
	if err != nil {
		return present.Eligibility{}, err
	}
	out := present.Eligibility{Eligible: e.Eligible}
	for _, r := range e.Reasons {
		out.Reasons = append(out.Reasons, present.Reason{Key: r.Key, Message: r.Message})
	}
	return out, nil
}

func (c source) Portrait(ctx context.Context, citizenID string) ([]byte, string, error) {
	return c.s.Portrait(ctx, citizenID)
}

// Offline returns the credential service's offline verification as
// present.OfflineVerifier: the KB-JWT's aud names the purpose the holder
// meant; one the verifier is not registered for is refused as
// purpose_not_allowed without further checks, the others are verified by
// credential.Service.VerifyOffline.
func Offline(s *credential.Service) present.OfflineVerifier {
	return func(ctx context.Context, payload string, purposes []string) (present.Result, error) {
		purpose, ok := audience(payload)
		if !ok && len(purposes) > 0 {
			purpose = purposes[0] // VerifyOffline says what is wrong with it
		}
		if purpose != "" && !slices.Contains(purposes, purpose) {
			return present.Result{Outcome: present.Invalid, Reason: present.ReasonPurposeNotAllowed, Purpose: purpose}, nil
		}
		r := s.VerifyOffline(ctx, payload, purpose, nil)
		return present.Result{Outcome: present.Outcome(r.Outcome), Reason: r.Reason, Purpose: string(r.Purpose), Claims: r.Claims}, nil
	}
}

// audience reads the aud of the key-binding JWT (the last segment of an
// SD-JWT+KB presentation) without verifying it: only to pick the purpose
// to verify against. Any malformation gives false.
func audience(payload string) (string, bool) {
	p, err := verify.ParsePayload(payload)
	if err != nil {
		return "", false
	}
	kb := p[strings.LastIndexByte(p, '~')+1:]
	parts := strings.Split(kb, ".")
	if len(parts) != 3 {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var claims struct {
		Aud string `json:"aud"`
	}
	if json.Unmarshal(raw, &claims) != nil || claims.Aud == "" {
		return "", false
	}
	return claims.Aud, true
}
