package verify

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/digitalid/digitalid/sdjwt"
)

// DefaultPurposes returns the platform's purposes and the claims each
// discloses (issue "Digital ID"): the age attestations disclose one
// boolean, student the institution, study form, speciality and group,
// large_family the number of children and their ages. A new map each call.
func DefaultPurposes() map[string][]string {
	return map[string][]string{
		"age_over_14":  {"age_over_14"},
		"age_over_18":  {"age_over_18"},
		"age_over_21":  {"age_over_21"},
		"student":      {"institution", "study_form", "speciality", "group"},
		"large_family": {"children_count", "children_ages"},
	}
}

// envelopeClaims may be in the clear in any credential: they say who issued
// it, what it is, when it is valid, whose device holds it and where its
// status is, and nothing about the person.
func envelopeClaim(name string) bool {
	switch name {
	case "iss", "vct", "vct#integrity", "iat", "nbf", "exp", "cnf", "status":
		return true
	}
	return false
}

// purposeClaims checks that v shows exactly the claims of a purpose and
// returns them. It returns a reason and an error when v discloses a claim
// outside the purpose, carries any other claim in the clear, or lacks one
// of the purpose's claims.
func purposeClaims(v *sdjwt.Verified, allowed []string) (map[string]any, string, error) {
	for _, p := range v.Disclosed {
		if len(p) == 0 || !slices.Contains(allowed, p[0]) {
			return nil, ReasonPurposeMismatch, fmt.Errorf("verify: a Disclosure of %q is outside the purpose", p.String())
		}
	}
	for name := range v.Claims {
		if !envelopeClaim(name) && !slices.Contains(allowed, name) {
			return nil, ReasonPurposeMismatch, fmt.Errorf("verify: claim %q is outside the purpose", name)
		}
	}
	out := make(map[string]any, len(allowed))
	for _, name := range allowed {
		value, ok := v.Claims[name]
		if !ok {
			return nil, ReasonMissingClaim, fmt.Errorf("verify: claim %q of the purpose is not shown", name)
		}
		out[name] = value
	}
	return out, "", nil
}

// claimTime reads a NumericDate claim (json.Number seconds) of verified
// claims, for display; sdjwt has already checked it.
func claimTime(claims map[string]any, name string) (time.Time, bool) {
	n, ok := claims[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}
