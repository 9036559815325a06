package account

import (
	"bytes"
	"image"
	_ "image/jpeg" // the formats a phone camera or browser produces
	_ "image/png"

	"github.com/digitalid/digitalid"
)

// Limits of a photo submitted for a biometric check. They are checked by the
// platform before any attempt is counted or any service is called.
const (
	MaxImageBytes = 5 << 20 // 5 MiB
	MinImageSide  = 200     // pixels, each side
	MaxImageSide  = 4000    // pixels, each side
	// minContrast is the smallest spread of luminance (0..255) between the
	// darkest and brightest sampled pixels; below it the image is blank.
	minContrast = 16
)

// CheckImage decodes b for real and refuses what cannot be a face photo: not
// JPEG or PNG, more than MaxImageBytes, a side below MinImageSide or above
// MaxImageSide (read from the header before the pixels are decoded, so a
// decompression bomb is refused cheaply), or blank/uniform (the luminance of
// a grid of samples varies by less than minContrast). It returns the media
// type. Errors are EINVALID (ETOOLARGE for size) with a field "image".
func CheckImage(b []byte) (string, error) {
	if len(b) > MaxImageBytes {
		return "", &digitalid.Error{Code: digitalid.ETOOLARGE, Key: "account.proofing.image_too_large",
			Message: "The photo is larger than 5 MiB.",
			Fields:  []digitalid.FieldError{{Field: "image", Code: digitalid.ETOOLARGE, Key: "account.proofing.image_too_large", Message: "The photo is larger than 5 MiB."}}}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || (format != "jpeg" && format != "png") {
		return "", imageError("account.proofing.image_format", "The file is not a JPEG or PNG photo.")
	}
	if cfg.Width < MinImageSide || cfg.Height < MinImageSide || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return "", imageError("account.proofing.image_size", "The photo must be between 200 and 4000 pixels on each side.")
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return "", imageError("account.proofing.image_format", "The file is not a JPEG or PNG photo.")
	}
	if contrast(img) < minContrast {
		return "", imageError("account.proofing.image_blank", "The photo is blank; take it again in good light.")
	}
	return "image/" + format, nil
}

// contrast is the spread of luminance over a 32×32 grid of samples.
func contrast(img image.Image) int {
	r := img.Bounds()
	lo, hi := 255, 0
	const n = 32
	for i := range n {
		for j := range n {
			x := r.Min.X + (r.Dx()-1)*i/(n-1)
			y := r.Min.Y + (r.Dy()-1)*j/(n-1)
			cr, cg, cb, _ := img.At(x, y).RGBA()
			l := int((299*cr + 587*cg + 114*cb) / 1000 >> 8)
			lo, hi = min(lo, l), max(hi, l)
		}
	}
	return hi - lo
}

func imageError(key, msg string) error { return fieldError("image", key, msg) }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
