package sdjwt

import (
	"fmt"
	"maps"
	"slices"
)

// vcClearClaim reports whether SD-JWT VC (draft-ietf-oauth-sd-jwt-vc,
// section 3.2.2) forbids disclosing the top-level claim name selectively: a
// Verifier must always see who issued a credential, its type, validity,
// status and holder key.
func vcClearClaim(name string) bool {
	switch name {
	case "iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status":
		return true
	}
	return false
}

// processed is the outcome of RFC 9901 section 7.1 step 3 over one payload
// and one set of Disclosures.
type processed struct {
	claims  map[string]any // the Processed SD-JWT Payload
	paths   []Path         // paths[i]: where Disclosure i was inserted
	parents []int          // parents[i]: the Disclosure Disclosure i was found in, -1 for the payload
}

type processor struct {
	discs    []*Disclosure
	byDigest map[string]int
	seen     map[string]bool // every digest met, decoys included
	maxDepth int
	vc       bool
	out      processed
}

// process substitutes the Disclosures into a copy of payload (the payload is
// not modified) and enforces every rule of RFC 9901 section 7.1: each digest
// at most once, each Disclosure referenced, the right kind of Disclosure at
// each place, no claim overwritten, `_sd_alg` only at the top.
func process(payload map[string]any, discs []*Disclosure, maxDepth int, vc bool) (*processed, error) {
	p := &processor{
		discs:    discs,
		byDigest: make(map[string]int, len(discs)),
		seen:     map[string]bool{},
		maxDepth: maxDepth,
		vc:       vc,
		out: processed{
			paths:   make([]Path, len(discs)),
			parents: make([]int, len(discs)),
		},
	}
	for i, d := range discs {
		p.byDigest[d.Digest] = i
	}
	claims, err := p.object(payload, Path{}, -1, 0)
	if err != nil {
		return nil, err
	}
	for i := range discs {
		if p.out.paths[i] == nil {
			return nil, fmt.Errorf("%w: Disclosure %d", ErrUnreferencedDisclosure, i+1)
		}
	}
	p.out.claims = claims
	return &p.out, nil
}

func (p *processor) value(v any, path Path, parent, depth int) (any, error) {
	if depth > p.maxDepth {
		return nil, ErrTooDeep
	}
	switch v := v.(type) {
	case map[string]any:
		return p.object(v, path, parent, depth)
	case []any:
		return p.array(v, path, parent, depth)
	}
	return v, nil
}

// use records that Disclosure i was found under digest dg, refusing a digest
// met before (RFC 9901 section 7.1, step 4).
func (p *processor) use(dg string) (int, bool, error) {
	if p.seen[dg] {
		return 0, false, ErrDuplicateDigest
	}
	p.seen[dg] = true
	i, ok := p.byDigest[dg]
	return i, ok, nil
}

func (p *processor) object(m map[string]any, path Path, parent, depth int) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) { // the same input always fails the same way
		v := m[k]
		switch k {
		case claimSD:
			continue
		case claimDigest:
			return nil, fmt.Errorf("%w: %q key outside an array element at %q", ErrMalformed, claimDigest, path)
		case claimSDAlg:
			if depth == 0 {
				continue // removed from the processed payload
			}
			return nil, fmt.Errorf("%w: _sd_alg below the top level at %q", ErrBadSDAlg, path)
		}
		pv, err := p.value(v, path.child(k), parent, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = pv
	}
	sd, ok := m[claimSD]
	if !ok {
		return out, nil
	}
	digests, ok := sd.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: _sd is not an array at %q", ErrMalformed, path)
	}
	for _, dv := range digests {
		dg, ok := dv.(string)
		if !ok {
			return nil, fmt.Errorf("%w: _sd holds a non-string at %q", ErrMalformed, path)
		}
		i, found, err := p.use(dg)
		if err != nil {
			return nil, fmt.Errorf("%w: in _sd at %q", err, path)
		}
		if !found {
			continue // a decoy, or a claim the Holder did not disclose
		}
		d := p.discs[i]
		if d.ArrayElement {
			return nil, fmt.Errorf("%w: Disclosure %d in _sd at %q", ErrDisclosureMisplaced, i+1, path)
		}
		if hasKey(m, d.Name) || hasKey(out, d.Name) {
			return nil, fmt.Errorf("%w: claim %q at %q", ErrClaimOverwrite, d.Name, path)
		}
		if p.vc && depth == 0 && vcClearClaim(d.Name) {
			return nil, fmt.Errorf("%w: %q", ErrProtectedClaim, d.Name)
		}
		at := path.child(d.Name)
		p.out.paths[i], p.out.parents[i] = at, parent
		pv, err := p.value(d.Value, at, i, depth+1)
		if err != nil {
			return nil, err
		}
		out[d.Name] = pv
	}
	return out, nil
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

func (p *processor) array(a []any, path Path, parent, depth int) ([]any, error) {
	out := make([]any, 0, len(a))
	for _, elem := range a {
		ref, isRef := elem.(map[string]any)
		if isRef {
			_, isRef = ref[claimDigest]
		}
		if !isRef {
			pv, err := p.value(elem, path.index(len(out)), parent, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, pv)
			continue
		}
		dg, ok := ref[claimDigest].(string)
		if !ok || len(ref) != 1 {
			return nil, fmt.Errorf("%w: array element digest is not {\"...\": string} at %q", ErrMalformed, path)
		}
		i, found, err := p.use(dg)
		if err != nil {
			return nil, fmt.Errorf("%w: array element at %q", err, path)
		}
		if !found {
			continue // removed, as RFC 9901 section 7.1 requires
		}
		d := p.discs[i]
		if !d.ArrayElement {
			return nil, fmt.Errorf("%w: Disclosure %d as an element of %q", ErrDisclosureMisplaced, i+1, path)
		}
		at := path.index(len(out))
		p.out.paths[i], p.out.parents[i] = at, parent
		pv, err := p.value(d.Value, at, i, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}
