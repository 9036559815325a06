package sdjwt

import (
	"strconv"
	"strings"
)

// Path names a claim by the object keys and array indices that lead to it
// from the top of the payload: Path{"address", "locality"} or
// Path{"nationalities", "1"}. A segment is read as an index when its
// container is an array and as a key when it is an object, so a key such as
// "18" in {"age_equal_or_over": {"18": true}} needs no escaping. In a
// pattern (IssueOptions disclosable paths, [Select]) the segment "*" matches
// any key or index.
type Path []string

// String joins the segments with "." for display; it is not parsed back.
func (p Path) String() string { return strings.Join(p, ".") }

// child returns p extended by seg, never sharing p's backing array.
func (p Path) child(seg string) Path {
	c := make(Path, len(p), len(p)+1)
	copy(c, p)
	return append(c, seg)
}

func (p Path) index(i int) Path { return p.child(strconv.Itoa(i)) }

// matches reports whether pattern names p exactly, "*" matching any segment.
func (pattern Path) matches(p Path) bool {
	return len(pattern) == len(p) && pattern.prefixOf(p)
}

// prefixOf reports whether pattern names p or one of p's ancestors.
func (pattern Path) prefixOf(p Path) bool {
	if len(pattern) > len(p) {
		return false
	}
	for i, seg := range pattern {
		if seg != "*" && seg != p[i] {
			return false
		}
	}
	return true
}

// Select returns a Holder selection for [Present] that discloses each claim
// named by a pattern together with everything nested inside it. Parent
// Disclosures needed to reach a selected claim are added by Present.
func Select(patterns ...Path) func(Path) bool {
	return func(p Path) bool {
		for _, pattern := range patterns {
			if pattern.prefixOf(p) {
				return true
			}
		}
		return false
	}
}
