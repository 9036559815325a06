package vault

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
)

// testImage is a w×h image whose left half is red and right half blue.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatalf("jpeg.Encode: %v", err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("png.Encode: %v", err)
	}
	return buf.Bytes()
}

// exifSegment is an APP1 Exif segment (big-endian TIFF) with the given
// orientation and, as the value of an ASCII tag, marker — standing in for a
// GPS position or a camera serial number.
func exifSegment(orientation uint16, marker string) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00*")
	binary.Write(&tiff, binary.BigEndian, uint32(8))      // IFD0 offset
	binary.Write(&tiff, binary.BigEndian, uint16(2))      // two entries
	binary.Write(&tiff, binary.BigEndian, uint16(0x010f)) // Make, ASCII
	binary.Write(&tiff, binary.BigEndian, uint16(2))
	binary.Write(&tiff, binary.BigEndian, uint32(len(marker)+1))
	binary.Write(&tiff, binary.BigEndian, uint32(8+2+2*12+4)) // value after the IFD
	binary.Write(&tiff, binary.BigEndian, uint16(0x0112))     // Orientation, SHORT
	binary.Write(&tiff, binary.BigEndian, uint16(3))
	binary.Write(&tiff, binary.BigEndian, uint32(1))
	binary.Write(&tiff, binary.BigEndian, orientation)
	tiff.Write([]byte{0, 0})
	binary.Write(&tiff, binary.BigEndian, uint32(0)) // no next IFD
	tiff.WriteString(marker + "\x00")
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// withSegments inserts segments right after a JPEG's SOI marker.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := slices.Clone(jpg[:2])
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

func comSegment(text string) []byte {
	seg := []byte{0xff, 0xfe, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(text)+2))
	return append(seg, text...)
}

// pngWithText inserts a tEXt chunk after a PNG's IHDR.
func pngWithText(p []byte, text string) []byte {
	data := append([]byte("tEXt"), "Comment\x00"+text...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)-4))
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(data))
	ihdrEnd := 8 + 8 + 13 + 4
	return slices.Concat(p[:ihdrEnd], chunk, p[ihdrEnd:])
}

func TestSanitize(t *testing.T) {
	pdf := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF")
	jpg := encodeJPEG(t, testImage(8, 4))
	pngb := encodePNG(t, testImage(8, 4))
	tests := []struct {
		name    string
		in      []byte
		media   string
		err     error
		secrets []string // must not survive
	}{
		{"pdf", pdf, MediaPDF, nil, nil},
		{"pdf 2.0 with trailing newline", append(bytes.Replace(pdf, []byte("1.4"), []byte("2.0"), 1), "\r\n"...), MediaPDF, nil, nil},
		{"pdf without end marker", pdf[:len(pdf)-5], "", errFileCorrupt, nil},
		{"pdf with data after the end", append(slices.Clone(pdf), "\n<script>"...), "", errFileCorrupt, nil},
		{"pdf with a bad version", []byte("%PDF-x.y\n%%EOF"), "", errFileCorrupt, nil},
		{"jpeg", jpg, MediaJPEG, nil, nil},
		{"jpeg with exif and comment", withSegments(jpg, exifSegment(1, "GPS 55.7558N 37.6173E"), comSegment("Ivanova passport")),
			MediaJPEG, nil, []string{"Exif", "GPS 55.7558N", "Ivanova"}},
		{"jpeg with a file appended", append(slices.Clone(jpg), "PK\x03\x04secret.zip"...), MediaJPEG, nil, []string{"secret.zip"}},
		{"truncated jpeg", jpg[:len(jpg)/2], "", errFileCorrupt, nil},
		{"png", pngb, MediaPNG, nil, nil},
		{"png with a text chunk", pngWithText(pngb, "Author Ivanova"), MediaPNG, nil, []string{"tEXt", "Ivanova"}},
		{"truncated png", pngb[:len(pngb)-20], "", errFileCorrupt, nil},
		{"png signature only", magicPNG, "", errFileCorrupt, nil},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", errFileType, nil},
		{"html named .pdf", []byte("<html><script>alert(1)</script>"), "", errFileType, nil},
		{"pdf header later", []byte(" %PDF-1.4\n%%EOF"), "", errFileType, nil},
		{"empty", nil, "", errFileType, nil},
	}
	for _, tt := range tests {
		media, out, err := sanitize(tt.in, MaxPixels)
		if !errors.Is(err, tt.err) || (err == nil && media != tt.media) {
			t.Errorf("sanitize(%s) = %q, %v; want %q, %v", tt.name, media, err, tt.media, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		for _, s := range tt.secrets {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("sanitize(%s) kept %q", tt.name, s)
			}
		}
		if media == MediaPDF && !bytes.Equal(out, tt.in) {
			t.Errorf("sanitize(%s) changed a PDF", tt.name)
		}
		if media != MediaPDF {
			img, format, err := image.Decode(bytes.NewReader(out))
			if err != nil || "image/"+format != media || img.Bounds().Dx() != 8 || img.Bounds().Dy() != 4 {
				t.Errorf("sanitize(%s) output decodes to %s %v, %v; want an 8×4 %s", tt.name, format, img.Bounds(), err, media)
			}
		}
	}
	if _, _, err := sanitize(pngb, 31); !errors.Is(err, errFileTooBig) {
		t.Errorf("sanitize(8×4 png, 31 pixels allowed) = %v, want errFileTooBig", err)
	}
	if _, _, err := sanitize(jpg, 32); err != nil {
		t.Errorf("sanitize(8×4 jpeg, 32 pixels allowed) = %v, want accepted", err)
	}
}

// TestExifOrientationApplied: a phone photo stored sideways with
// orientation 6 comes out upright and without its EXIF.
func TestExifOrientationApplied(t *testing.T) {
	in := withSegments(encodeJPEG(t, testImage(16, 8)), exifSegment(6, "Camera serial 12345"))
	if o := jpegOrientation(in); o != 6 {
		t.Fatalf("jpegOrientation = %d, want 6", o)
	}
	_, out, err := sanitize(in, MaxPixels)
	if err != nil {
		t.Fatalf("sanitize = %v", err)
	}
	if bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte("Camera serial")) || jpegOrientation(out) != 1 {
		t.Errorf("sanitize kept EXIF")
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil || img.Bounds().Dx() != 8 || img.Bounds().Dy() != 16 {
		t.Fatalf("sanitized image = %v, %v; want 8×16 (turned)", img.Bounds(), err)
	}
	// Turned clockwise, the red left half becomes the top half.
	if r, _, b, _ := img.At(4, 2).RGBA(); r < b {
		t.Errorf("top of the turned image is not red")
	}
	if r, _, b, _ := img.At(4, 13).RGBA(); b < r {
		t.Errorf("bottom of the turned image is not blue")
	}
}

func TestOrient(t *testing.T) {
	const w, h = 3, 2
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		src.Pix[4*i] = byte(i + 1) // pixel (x, y) has red x + y*w + 1
	}
	// Where the stored pixels (0,0) and (1,0) must show, per the EXIF table.
	tests := map[int][2]image.Point{
		1: {{0, 0}, {1, 0}}, 2: {{2, 0}, {1, 0}}, 3: {{2, 1}, {1, 1}}, 4: {{0, 1}, {1, 1}},
		5: {{0, 0}, {0, 1}}, 6: {{1, 0}, {1, 1}}, 7: {{1, 2}, {1, 1}}, 8: {{0, 2}, {0, 1}},
	}
	for o, want := range tests {
		out := orient(src, o)
		b := out.Bounds()
		if (o >= 5) != (b.Dx() == h) {
			t.Errorf("orient(%d) bounds = %v", o, b)
		}
		for i, p := range want {
			if r, _, _, _ := out.At(p.X, p.Y).RGBA(); r>>8 != uint32(i+1) {
				t.Errorf("orient(%d): pixel at %v has red %d, want stored pixel (%d,0)", o, p, r>>8, i)
			}
		}
	}
}

func TestJPEGOrientation(t *testing.T) {
	jpg := encodeJPEG(t, testImage(2, 2))
	le := []byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x08\x00\x00\x00")
	app1 := func(payload []byte) []byte {
		seg := []byte{0xff, 0xe1, 0, 0}
		binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
		return append(seg, payload...)
	}
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"none", jpg, 1},
		{"big-endian 6", withSegments(jpg, exifSegment(6, "x")), 6},
		{"little-endian 8", withSegments(jpg, app1(le)), 8},
		{"after a comment", withSegments(jpg, comSegment("hi"), exifSegment(3, "x")), 3},
		{"out of range", withSegments(jpg, exifSegment(9, "x")), 1},
		{"IFD offset past the end", withSegments(jpg, app1([]byte("Exif\x00\x00MM\x00*\x00\x00\xff\xff"))), 1},
		{"segment longer than the file", []byte{0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 'E'}, 1},
		{"not Exif", withSegments(jpg, app1([]byte("http://ns.adobe.com/xap/1.0/\x00"))), 1},
	}
	for _, tt := range tests {
		if got := jpegOrientation(tt.in); got != tt.want {
			t.Errorf("jpegOrientation(%s) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestCheckUploads(t *testing.T) {
	pngb := encodePNG(t, testImage(2, 2))
	big := append([]byte("%PDF-1.4\n"), make([]byte, MaxUploadSize)...)
	tests := []struct {
		name   string
		files  []Upload
		code   string
		fields []string // "field:code"
	}{
		{"none", nil, "", nil},
		{"five", slices.Repeat([]Upload{{Name: "a.png", Content: pngb}}, MaxUploads), "", nil},
		{"six", slices.Repeat([]Upload{{Name: "a.png", Content: pngb}}, MaxUploads+1), digitalid.EINVALID, []string{"files:file_count"}},
		{"one bad of three", []Upload{{Name: "a.png", Content: pngb}, {Name: "b.exe", Content: []byte("MZ")}, {Name: "c.png", Content: pngb[:30]}},
			digitalid.EINVALID, []string{"files[1]:file_type", "files[2]:file_corrupt"}},
		{"too large", []Upload{{Name: "big.pdf", Content: big}, {Name: "b.exe", Content: []byte("MZ")}},
			digitalid.ETOOLARGE, []string{"files[0]:file_too_big", "files[1]:file_type"}},
	}
	for _, tt := range tests {
		scans, err := checkUploads(tt.files)
		if digitalid.ErrorCode(err) != tt.code {
			t.Errorf("checkUploads(%s) = %v, want %q", tt.name, err, tt.code)
			continue
		}
		if err == nil {
			if len(scans) != len(tt.files) {
				t.Errorf("checkUploads(%s) = %d scans, want %d", tt.name, len(scans), len(tt.files))
			}
			continue
		}
		var de *digitalid.Error
		errors.As(err, &de)
		var got []string
		for _, f := range de.Fields {
			got = append(got, f.Field+":"+f.Code)
			if f.Field != "files" && !strings.Contains(f.Message, `"`) {
				t.Errorf("checkUploads(%s): message %q does not name the file", tt.name, f.Message)
			}
		}
		if !slices.Equal(got, tt.fields) {
			t.Errorf("checkUploads(%s) fields = %q, want %q", tt.name, got, tt.fields)
		}
	}
}

func TestCleanName(t *testing.T) {
	tests := map[string]string{
		"scan.png":                        "scan.png",
		`C:\Users\anna\Паспорт.jpg`:       "Паспорт.jpg",
		"../../etc/passwd":                "passwd",
		"a\x00b\u202ecod.pdf":             "abcod.pdf",
		"  ":                              "scan-3",
		"..":                              "scan-3",
		"/":                               "scan-3",
		"bad\xffutf8.png":                 "badutf8.png",
		strings.Repeat("я", 150) + ".png": strings.Repeat("я", 100),
	}
	for in, want := range tests {
		if got := cleanName(in, 2); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}
