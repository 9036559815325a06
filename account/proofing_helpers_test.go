package account_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"sync/atomic"
	"testing"

	"github.com/digitalid/digitalid/account"
)

// photo returns a w×h PNG of a gradient (not blank). reject paints the
// top-left pixel pure red: DevelopmentBiometric's "reject" pattern.
func photo(t testing.TB, w, h int, reject bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	if reject {
		img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatalf("png.Encode: %v", err)
	}
	return b.Bytes()
}

// uniform returns a w×h image of one colour, as JPEG or PNG.
func uniform(t testing.TB, w, h int, asJPEG bool) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var b bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&b, img, nil)
	} else {
		err = png.Encode(&b, img)
	}
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b.Bytes()
}

// countingBiometric wraps the development provider and counts calls.
type countingBiometric struct {
	inner account.Biometric
	calls atomic.Int64
}

func (c *countingBiometric) Match(ctx context.Context, r account.MatchRequest) (account.MatchResult, error) {
	c.calls.Add(1)
	return c.inner.Match(ctx, r)
}

// proofEnv is a Proofing over e's store with a counting dev provider.
type proofEnv struct {
	*env
	p   *account.Proofing
	bio *countingBiometric
}

func newProofEnv(e *env) *proofEnv {
	e.t.Helper()
	dev, err := account.NewDevelopmentBiometric(true)
	if err != nil {
		e.t.Fatalf("NewDevelopmentBiometric(true) = %v", err)
	}
	bio := &countingBiometric{inner: dev}
	p, err := account.NewProofing(account.ProofingConfig{Store: e.db, Citizens: e.svc.Citizens, Audit: e.audit,
		Biometric: bio, Clock: e.clock.Now})
	if err != nil {
		e.t.Fatalf("NewProofing = %v", err)
	}
	return &proofEnv{env: e, p: p, bio: bio}
}

// citizenAt signs up a citizen and sets their level.
func (pe *proofEnv) citizenAt(n int, a account.Assurance) account.Session {
	pe.t.Helper()
	res := pe.signUp(phone(n))
	if err := pe.svc.Citizens.SetAssurance(pe.ctx, res.Session.CitizenID, a); err != nil {
		pe.t.Fatalf("SetAssurance(%s) = %v", a, err)
	}
	return res.Session
}

func (pe *proofEnv) challenge(s account.Session, purpose account.ProofingPurpose) string {
	pe.t.Helper()
	c, err := pe.p.NewChallenge(pe.ctx, s, purpose)
	if err != nil {
		pe.t.Fatalf("NewChallenge(%s) = %v", purpose, err)
	}
	return c.Value
}

func (pe *proofEnv) assurance(id string) account.Assurance {
	pe.t.Helper()
	c, err := pe.svc.Citizens.Get(pe.ctx, id)
	if err != nil {
		pe.t.Fatalf("Citizens.Get = %v", err)
	}
	return c.Assurance
}
