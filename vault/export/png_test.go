package export

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func renderPNG(t *testing.T, c Card, scale int) image.Image {
	t.Helper()
	var b bytes.Buffer
	if err := PNG(&b, c, scale); err != nil {
		t.Fatalf("PNG(%v, %d) = %v", c, scale, err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("png.Decode(PNG(%v, %d)) = %v", c, scale, err)
	}
	return img
}

// scanQR reads the image's QR code as a phone would.
func scanQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("gozxing.NewBinaryBitmapFromImage: %v", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("QR decode: %v", err)
	}
	return res.GetText()
}

// inkIn counts the pixels of a region that differ from its background.
func inkIn(img image.Image, r image.Rectangle, bg color.Color) int {
	br, bg2, bb, _ := bg.RGBA()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if cr, cg, cb, _ := img.At(x, y).RGBA(); cr != br || cg != bg2 || cb != bb {
				n++
			}
		}
	}
	return n
}

func TestPNG(t *testing.T) {
	reg := newRegistry(t)
	for _, s := range samples(t, reg) {
		for _, scale := range []int{1, 2, 4} {
			c := sampleCard(t, reg, s)
			img := renderPNG(t, c, scale)
			b := img.Bounds()
			if b.Dx() != 600*scale || b.Dy() < 423*scale || b.Dy()%scale != 0 {
				t.Errorf("PNG(%s, %d) is %dx%d, want %d wide, at least %d tall, a multiple of the scale",
					s.name, scale, b.Dx(), b.Dy(), 600*scale, 423*scale)
			}
			if got := scanQR(t, img); got != c.VerifyURL {
				t.Errorf("PNG(%s, %d) QR = %q, want %q", s.name, scale, got, c.VerifyURL)
			}
			// The title is drawn in white on the band; the fields in dark ink below it.
			band := image.Rect(0, 0, 400*scale, 50*scale)
			if n := inkIn(img, band, toColor(colBand)); n < 100*scale*scale {
				t.Errorf("PNG(%s, %d) has %d title pixels, want the title drawn", s.name, scale, n)
			}
			table := image.Rect(24*scale, 70*scale, 420*scale, 400*scale)
			if n := inkIn(img, table, color.White); n < 2000*scale*scale {
				t.Errorf("PNG(%s, %d) has %d ink pixels in the table, want fields drawn", s.name, scale, n)
			}
		}
	}
}

func TestPNGGrowsAndStamps(t *testing.T) {
	reg := newRegistry(t)
	short := renderPNG(t, sampleCard(t, reg, samples(t, reg)[2]), 2)
	tall := renderPNG(t, largeFamily(t, reg), 2)
	if tall.Bounds().Dy() <= short.Bounds().Dy() {
		t.Errorf("PNG(30 children) is %d tall, want taller than a short card's %d", tall.Bounds().Dy(), short.Bounds().Dy())
	}
	if got, want := scanQR(t, tall), largeFamily(t, reg).VerifyURL; got != want {
		t.Errorf("PNG(30 children) QR = %q, want %q", got, want)
	}
	// The self-declared stamp is a red box under the band.
	hostile, _ := hostileCard(t, reg)
	img := renderPNG(t, hostile, 1)
	red := 0
	for x := 24; x < 576; x++ {
		if img.At(x, 72) == (color.RGBA{0xC5, 0x30, 0x30, 0xFF}) {
			red++
		}
	}
	if red < 500 {
		t.Errorf("PNG(self-declared) has %d red stamp pixels on its top edge, want a stamp", red)
	}
}

func TestPNGScale(t *testing.T) {
	reg := newRegistry(t)
	c := sampleCard(t, reg, samples(t, reg)[0])
	for _, scale := range []int{-1, 0, MaxPNGScale + 1} {
		if err := PNG(&bytes.Buffer{}, c, scale); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("PNG(scale %d) = %v, want EINVALID", scale, err)
		}
	}
}
