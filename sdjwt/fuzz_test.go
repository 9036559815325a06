package sdjwt

import (
	"strings"
	"testing"
)

// fuzzSeeds are the RFC vectors and fixture presentations, whole and cut.
func fuzzSeeds(f *testing.F, fx *fixture) []string {
	seeds := []string{"", "~", "a.b.c~", "e30.e30.~", "e30.e30.~WyJzIiwiYSIsMV0~"}
	for _, name := range []string{"rfc-5.1-issuance.txt", "rfc-5.2-presentation.txt", "rfc-a.1-presentation.txt",
		"rfc-a.2-presentation.txt", "rfc-a.3-presentation.txt", "rfc-a.4-presentation.txt"} {
		seeds = append(seeds, readVector(f, name))
	}
	sd := fx.issue(f)
	good := fx.present(f, sd, Select(Path{"address", "locality"}, Path{"nationalities", "1"}))
	seeds = append(seeds, sd.String(), good, good[:len(good)/2], strings.Replace(good, "~", "~~", 1))
	p, _ := ageOver18(f, fx)
	return append(seeds, p)
}

// FuzzParse: Parse never panics, and what it accepts serializes back to the
// same text.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f, newFixture(f)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sd, err := Parse(s)
		if err != nil {
			if Code(err) == "internal" {
				t.Fatalf("Parse error without a reason: %v", err)
			}
			return
		}
		if sd.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, sd.String())
		}
	})
}

// FuzzVerify: Verify never panics, refuses with a reason, and returns claims
// only for a presentation that passes.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	for _, s := range fuzzSeeds(f, fx) {
		f.Add(s)
	}
	opts := fx.verifyOpts()
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Verify(s, opts)
		if err != nil {
			if v != nil || Code(err) == "internal" {
				t.Fatalf("Verify = %v, %v", v, err)
			}
			return
		}
		if v.Claims == nil || !v.KeyBound {
			t.Fatalf("Verify accepted %q without claims or Key Binding", s)
		}
	})
}
