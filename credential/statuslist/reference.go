package statuslist

import (
	"encoding/json"
	"fmt"
	"math"
)

// Reference is the "status" claim of a credential (a Referenced Token,
// draft section 6.1): the entry Idx of the Status List Token published at
// URI holds the credential's status.
type Reference struct {
	Idx int
	URI string
}

// Claim returns the value of the credential's "status" claim:
// {"status_list": {"idx": Idx, "uri": URI}}.
func (r Reference) Claim() map[string]any {
	return map[string]any{"status_list": map[string]any{"idx": r.Idx, "uri": r.URI}}
}

// ParseReference reads the "status" claim from a credential's verified
// claims (numbers as json.Number or float64, as decoders give them). It
// requires status.status_list with a non-negative integer idx and an
// absolute URI uri; other status mechanisms beside status_list are ignored.
func ParseReference(claims map[string]any) (Reference, error) {
	status, _ := claims["status"].(map[string]any)
	sl, ok := status["status_list"].(map[string]any)
	if !ok {
		return Reference{}, fmt.Errorf("%w: status.status_list", ErrMissingClaim)
	}
	uri, _ := sl["uri"].(string)
	if !absoluteURI(uri) {
		return Reference{}, fmt.Errorf("%w: status.status_list.uri is not an absolute URI", ErrMalformed)
	}
	idx, ok := index(sl["idx"])
	if !ok {
		return Reference{}, fmt.Errorf("%w: status.status_list.idx is not a non-negative integer", ErrMalformed)
	}
	return Reference{Idx: idx, URI: uri}, nil
}

// index reads a non-negative integer that fits the largest list.
func index(v any) (int, bool) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			return 0, false
		}
		f = float64(i)
	case float64:
		f = n
	case int:
		f = float64(n)
	default:
		return 0, false
	}
	if f < 0 || f != math.Trunc(f) || f >= MaxBytes*8 {
		return 0, false
	}
	return int(f), true
}
