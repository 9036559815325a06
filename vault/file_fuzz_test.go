package vault

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// FuzzSanitize feeds arbitrary bytes to the upload recogniser and image
// re-encoder. It must never panic or hang; whatever it accepts is a PDF with
// a header and end marker, or an image that decodes as its claimed type and
// carries no EXIF, XMP or text chunks.
func FuzzSanitize(f *testing.F) {
	img := testImage(6, 3)
	var pb bytes.Buffer
	if err := png.Encode(&pb, img); err != nil {
		f.Fatal(err)
	}
	jpg := encodeJPEG(f, img)
	for _, seed := range [][]byte{
		[]byte("%PDF-1.7\n%%EOF\n"),
		pb.Bytes(),
		pngWithText(pb.Bytes(), "x"),
		jpg,
		withSegments(jpg, exifSegment(6, "GPS"), comSegment("c")),
		withSegments(jpg, exifSegment(8, "GPS")),
		[]byte("GIF89a"),
		{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, '*', 0, 0, 0, 8},
		nil,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const maxPixels = 1 << 16 // keep each run small; the limit itself is tested in TestSanitize
		media, out, err := sanitize(b, maxPixels)
		_ = jpegOrientation(b)
		if err != nil {
			return
		}
		switch media {
		case MediaPDF:
			if !bytes.Equal(out, b) || checkPDF(out) != nil {
				t.Fatalf("accepted a PDF that checkPDF refuses")
			}
		case MediaJPEG, MediaPNG:
			cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
			if err != nil || "image/"+format != media || cfg.Width*cfg.Height > maxPixels {
				t.Fatalf("sanitized %s decodes as %q %dx%d, %v", media, format, cfg.Width, cfg.Height, err)
			}
			for _, meta := range []string{"Exif", "http://ns.adobe.com", "tEXt", "zTXt", "iTXt", "eXIf"} {
				if bytes.Contains(out, []byte(meta)) {
					t.Fatalf("sanitized %s keeps %q", media, meta)
				}
			}
		default:
			t.Fatalf("sanitize accepted media type %q", media)
		}
	})
}
