package vault

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"
)

// BenchmarkCheckPhoto measures the check of an issuer's portrait: a noisy
// 413×531 JPEG at quality 90 (35×45 mm at 300 dpi, about 69 KB), decoded,
// turned upright and re-encoded.
func BenchmarkCheckPhoto(b *testing.B) {
	img := image.NewNRGBA(image.Rect(0, 0, 413, 531))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range 531 {
		for x := range 413 {
			n := uint8(r.IntN(24))
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x/3) + n, G: uint8(y/3) + n, B: 150 + n, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := checkPhoto("passport_ru", buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
