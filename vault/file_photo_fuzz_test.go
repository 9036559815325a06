package vault

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// FuzzCheckPhoto feeds arbitrary bytes to the issuer portrait check. It
// must never panic; whatever it accepts is a JPEG or PNG within the photo
// limits that decodes as its media type.
func FuzzCheckPhoto(f *testing.F) {
	img := testImage(6, 3)
	var pb bytes.Buffer
	if err := png.Encode(&pb, img); err != nil {
		f.Fatal(err)
	}
	jpg := encodeJPEG(f, img)
	for _, seed := range [][]byte{pb.Bytes(), jpg, withSegments(jpg, exifSegment(6, "GPS")), []byte("%PDF-1.7\n%%EOF\n"), []byte("GIF89a"), nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := checkPhoto("passport_ru", b)
		if err != nil {
			return
		}
		if s.mediaType != MediaJPEG && s.mediaType != MediaPNG {
			t.Fatalf("accepted %s", s.mediaType)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(s.content))
		if err != nil || "image/"+format != s.mediaType || cfg.Width*cfg.Height > MaxPhotoPixels || len(b) > MaxPhotoSize {
			t.Fatalf("accepted %s (%s %dx%d, %v) from %d bytes", s.mediaType, format, cfg.Width, cfg.Height, err, len(b))
		}
	})
}
