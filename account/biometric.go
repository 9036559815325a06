package account

import (
	"context"
	"image"
	"math"

	"github.com/digitalid/digitalid"
)

// Biometric compares a citizen's live photo with the reference face an
// identity registry holds for them: an external face-matching service behind
// a small interface, so the platform's own rules (challenges, attempt limits,
// image checks, audit — see Proofing) never depend on which service it is.
type Biometric interface {
	// Match compares req.Image with the reference face of req.CitizenID. A
	// non-match is a result (Matched false), not an error; an error means the
	// service could not answer (EUNAVAILABLE) and the attempt is not held
	// against the citizen.
	Match(ctx context.Context, req MatchRequest) (MatchResult, error)
}

// MatchRequest is one comparison. CitizenID is the platform's opaque
// citizen id (a random ULID-like id, never the phone number); Challenge is
// the single-use server challenge of the attempt, passed on so the service
// can bind its liveness check to it.
type MatchRequest struct {
	CitizenID string
	Challenge string
	Image     []byte
	MediaType string // image/jpeg or image/png, as found by CheckImage
}

// MatchResult is the service's verdict. Only Matched && Liveness counts as a
// match. Score (0..1) and Reason are for the audit log, rounded and trimmed.
type MatchResult struct {
	Matched  bool
	Score    float64
	Liveness bool
	Reason   string
}

// DevelopmentBiometric is a stand-in for a face-matching service, for
// development and tests only: it compares no faces. Its rule: an image
// whose top-left pixel is pure red (#FF0000) is the "reject" test pattern
// and does not match (score 0.10); every other image that passed CheckImage
// matches (score 0.99), liveness always true. It is selected only with
// `digitalid serve --biometric dev`; there is no default provider, so a
// production server without --biometric answers the proofing endpoints
// with 503.
type DevelopmentBiometric struct{}

// NewDevelopmentBiometric returns the development provider. It refuses
// (EINVALID) unless enable is true, so that it is never obtained by
// accident: callers pass an explicit operator choice.
func NewDevelopmentBiometric(enable bool) (*DevelopmentBiometric, error) {
	if !enable {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: the development biometric provider must be enabled explicitly")
	}
	return &DevelopmentBiometric{}, nil
}

// Match applies the documented rule.
func (DevelopmentBiometric) Match(_ context.Context, req MatchRequest) (MatchResult, error) {
	img, _, err := image.Decode(bytesReader(req.Image))
	if err != nil {
		return MatchResult{}, digitalid.Wrap(digitalid.EINVALID, err, "development biometric: not an image")
	}
	if IsRejectPattern(img) {
		return MatchResult{Matched: false, Score: 0.10, Liveness: true, Reason: "dev_reject_pattern"}, nil
	}
	return MatchResult{Matched: true, Score: 0.99, Liveness: true, Reason: "dev_match"}, nil
}

// IsRejectPattern reports whether img is DevelopmentBiometric's "reject"
// test pattern: its top-left pixel is pure red.
func IsRejectPattern(img image.Image) bool {
	b := img.Bounds()
	r, g, bl, _ := img.At(b.Min.X, b.Min.Y).RGBA()
	return r == 0xffff && g == 0 && bl == 0
}

// roundScore keeps one decimal of a score for the audit log.
func roundScore(s float64) float64 {
	if math.IsNaN(s) || s < 0 {
		return 0
	}
	return math.Round(min(s, 1)*10) / 10
}
