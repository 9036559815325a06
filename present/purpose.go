package present

import (
	"slices"

	"github.com/digitalid/digitalid/verify"
)

// Purpose names what a verifier asks to see and the claims it discloses,
// nothing else. The registry is verify.DefaultPurposes, the one source of
// truth shared with offline verification.
type Purpose struct {
	Name   string   `json:"name"`
	Claims []string `json:"claims"`
}

// Purpose names, each also the type of the attestation it is proved with.
const (
	AgeOver14   = "age_over_14"
	AgeOver18   = "age_over_18"
	AgeOver21   = "age_over_21"
	Student     = "student"
	LargeFamily = "large_family"
)

// purposeOrder is the order purposes are offered in.
var purposeOrder = []string{AgeOver18, AgeOver21, AgeOver14, Student, LargeFamily}

// Purposes returns the registry in display order; a new slice each call.
func Purposes() []Purpose {
	reg := verify.DefaultPurposes()
	out := make([]Purpose, 0, len(reg))
	for _, name := range purposeOrder {
		if claims, ok := reg[name]; ok {
			out = append(out, Purpose{Name: name, Claims: claims})
		}
	}
	return out
}

// LookupPurpose returns the purpose called name.
func LookupPurpose(name string) (Purpose, bool) {
	claims, ok := verify.DefaultPurposes()[name]
	if !ok {
		return Purpose{}, false
	}
	return Purpose{Name: name, Claims: claims}, true
}

// PurposeNames returns the names of every purpose, in display order.
func PurposeNames() []string {
	var out []string
	for _, p := range Purposes() {
		out = append(out, p.Name)
	}
	return out
}

// Only returns the claims of attrs that the purpose discloses; a claim
// the purpose names but attrs lack is left out.
func (p Purpose) Only(attrs map[string]any) map[string]any {
	out := make(map[string]any, len(p.Claims))
	for name, v := range attrs {
		if slices.Contains(p.Claims, name) {
			out[name] = v
		}
	}
	return out
}
