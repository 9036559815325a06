package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"maps"

	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/vault"
)

// Size of the demo passport portraits.
const (
	demoPortraitW = 240
	demoPortraitH = 300
)

// demoPortrait draws a deterministic face-like placeholder for the demo
// passport seed (a PNG of 240×300): a pale background, shoulders, a face
// with hair, eyes and a mouth, tinted by the seed so that demo citizens
// differ. It is no one's face.
func demoPortrait(seed string) ([]byte, error) {
	h := fnv.New32a()
	h.Write([]byte(seed))
	v := h.Sum32()
	tone := func(shift uint, lo, span uint32) uint8 { return uint8(lo + (v>>shift)%span) }
	bg := color.NRGBA{R: 214, G: 226, B: tone(0, 220, 30), A: 255}
	skin := color.NRGBA{R: tone(4, 200, 40), G: tone(8, 160, 40), B: tone(12, 130, 40), A: 255}
	hair := color.NRGBA{R: tone(16, 30, 90), G: tone(20, 20, 60), B: tone(24, 10, 40), A: 255}
	coat := color.NRGBA{R: tone(28, 40, 60), G: 60, B: tone(2, 90, 80), A: 255}
	dark := color.NRGBA{R: 40, G: 30, B: 30, A: 255}
	lips := color.NRGBA{R: 170, G: 80, B: 80, A: 255}

	img := image.NewNRGBA(image.Rect(0, 0, demoPortraitW, demoPortraitH))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: bg}, image.Point{}, draw.Src)
	ellipse(img, 120, 320, 110, 80, coat)                                                            // shoulders
	draw.Draw(img, image.Rect(100, 200, 140, 250), &image.Uniform{C: skin}, image.Point{}, draw.Src) // neck
	ellipse(img, 120, 120, 72, 86, hair)                                                             // hair
	ellipse(img, 120, 135, 60, 76, skin)                                                             // face
	ellipse(img, 96, 122, 9, 6, dark)                                                                // eyes
	ellipse(img, 144, 122, 9, 6, dark)
	ellipse(img, 120, 180, 20, 6, lips)                                                                // mouth
	ellipse(img, 120, 152, 4, 10, color.NRGBA{R: skin.R - 25, G: skin.G - 25, B: skin.B - 25, A: 255}) // nose
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ellipse fills the ellipse centred at (cx, cy) with radii rx, ry.
func ellipse(img *image.NRGBA, cx, cy, rx, ry int, c color.NRGBA) {
	r := img.Bounds()
	for y := max(cy-ry, r.Min.Y); y <= min(cy+ry, r.Max.Y-1); y++ {
		for x := max(cx-rx, r.Min.X); x <= min(cx+rx, r.Max.X-1); x++ {
			dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
			if dx*dx+dy*dy <= 1 {
				img.SetNRGBA(x, y, c)
			}
		}
	}
}

// withPhotoClaim returns fields with the issuer.PhotoClaim naming photo,
// as a registry signs a passport pushed with its portrait.
func withPhotoClaim(fields map[string]any, photo []byte) map[string]any {
	sum := sha256.Sum256(photo)
	out := maps.Clone(fields)
	out[issuer.PhotoClaim] = hex.EncodeToString(sum[:])
	return out
}

// demoPhoto returns what a demo document is signed and pushed with: a
// passport gets a portrait named in its signed fields, the others none.
func demoPhoto(d demoDoc) (map[string]any, []byte, error) {
	if !vault.PhotoAllowed(d.Type) {
		return d.Fields, nil, nil
	}
	photo, err := demoPortrait(d.Ref)
	if err != nil {
		return nil, nil, err
	}
	return withPhotoClaim(d.Fields, photo), photo, nil
}
