package vault

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
)

// Limits on scans attached to a self-declared document.
const (
	MaxUploadSize = 10 << 20   // bytes per file
	MaxUploads    = 5          // files per document
	MaxPixels     = 40_000_000 // width × height of an image (a 40-megapixel photo)
	maxNameLen    = 200        // bytes of a kept file name
)

// Media types of the scans the vault accepts, recognised by content.
const (
	MediaPDF  = "application/pdf"
	MediaJPEG = "image/jpeg"
	MediaPNG  = "image/png"
)

// Field error codes of uploads, in the Fields of the error AddSelfDeclared
// returns, with the file's position as the field ("files[2]").
const (
	CodeFileType    = "file_type"    // not a PDF, JPEG or PNG
	CodeFileCorrupt = "file_corrupt" // looks like one but does not decode
	CodeFileTooBig  = "file_too_big" // over MaxUploadSize bytes or MaxPixels
	CodeFileCount   = "file_count"   // more than MaxUploads files
)

// jpegQuality is the quality JPEG scans are re-encoded at: visually lossless
// for a document photo, about the size of a phone camera's output.
const jpegQuality = 90

// Upload is a scan as the citizen sent it. Name is only a label: the type is
// decided by the content.
type Upload struct {
	Name    string
	Content []byte
}

// scan is an accepted upload: its media type, cleaned name and content with
// metadata stripped.
type scan struct {
	name, mediaType string
	content         []byte
}

// Reasons an upload is refused, mapped to field errors by checkUploads.
var (
	errFileType    = errors.New("not a PDF, JPEG or PNG")
	errFileCorrupt = errors.New("damaged or incomplete file")
	errFileTooBig  = errors.New("too large")
)

// checkUploads accepts up to MaxUploads files of PDF, JPEG or PNG, each at
// most MaxUploadSize bytes, recognised by content; images are decoded in
// full and re-encoded from their pixels, which drops EXIF (GPS position,
// camera, time), XMP, comments and anything appended after the image.
//
// Errors: EINVALID or ETOOLARGE (any file over the size limit) listing each
// refused file as "files[i]" with a Code*File code and a message naming it.
func checkUploads(files []Upload) ([]scan, error) {
	if len(files) > MaxUploads {
		return nil, &digitalid.Error{Code: digitalid.EINVALID, Key: "vault.error.file_count",
			Message: fmt.Sprintf("At most %d files can be attached.", MaxUploads),
			Fields: []digitalid.FieldError{{Field: "files", Code: CodeFileCount, Key: "vault.error.file_count",
				Message: fmt.Sprintf("At most %d files can be attached.", MaxUploads)}}}
	}
	code := digitalid.EINVALID
	var bad []digitalid.FieldError
	out := make([]scan, 0, len(files))
	for i, f := range files {
		name := cleanName(f.Name, i)
		var s scan
		var err error
		if len(f.Content) > MaxUploadSize {
			err = errFileTooBig
		} else {
			s.mediaType, s.content, err = sanitize(f.Content, MaxPixels)
		}
		if err != nil {
			fe := digitalid.FieldError{Field: fmt.Sprintf("files[%d]", i)}
			switch {
			case errors.Is(err, errFileTooBig):
				code = digitalid.ETOOLARGE
				fe.Code = CodeFileTooBig
				fe.Message = fmt.Sprintf("%q is too large: at most %d MiB and %d megapixels.", name, MaxUploadSize>>20, MaxPixels/1_000_000)
			case errors.Is(err, errFileType):
				fe.Code = CodeFileType
				fe.Message = fmt.Sprintf("%q is not a PDF, JPEG or PNG file.", name)
			default:
				fe.Code = CodeFileCorrupt
				fe.Message = fmt.Sprintf("%q is damaged or incomplete.", name)
			}
			fe.Key = "vault.error." + fe.Code
			bad = append(bad, fe)
			continue
		}
		s.name = name
		out = append(out, s)
	}
	if len(bad) > 0 {
		return nil, &digitalid.Error{Code: code, Key: "vault.error.files", Message: "Some files cannot be attached.", Fields: bad}
	}
	return out, nil
}

// cleanName keeps the last element of a file name, without control
// characters, at most maxNameLen bytes; an empty name becomes "scan-N".
func cleanName(name string, i int) string {
	name = strings.ToValidUTF8(name, "")
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxNameLen {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		name = fmt.Sprintf("scan-%d", i+1)
	}
	return name
}

var (
	magicPDF  = []byte("%PDF-")
	magicJPEG = []byte{0xff, 0xd8, 0xff}
	magicPNG  = []byte("\x89PNG\r\n\x1a\n")
)

// sanitize recognises b by content and returns its media type and the bytes
// to store: a PDF as it is (after checking its header and trailer), an image
// decoded and re-encoded. maxPixels bounds the decoded size.
func sanitize(b []byte, maxPixels int) (string, []byte, error) {
	switch {
	case bytes.HasPrefix(b, magicPDF):
		return MediaPDF, b, checkPDF(b)
	case bytes.HasPrefix(b, magicJPEG):
		out, err := reencode(b, maxPixels, jpeg.DecodeConfig, jpeg.Decode, func(buf *bytes.Buffer, img image.Image) error {
			return jpeg.Encode(buf, orient(img, jpegOrientation(b)), &jpeg.Options{Quality: jpegQuality})
		})
		return MediaJPEG, out, err
	case bytes.HasPrefix(b, magicPNG):
		out, err := reencode(b, maxPixels, png.DecodeConfig, png.Decode, func(buf *bytes.Buffer, img image.Image) error {
			return png.Encode(buf, img)
		})
		return MediaPNG, out, err
	}
	return "", nil, errFileType
}

// checkPDF checks a PDF's header ("%PDF-1.x" or "%PDF-2.x") and that an
// end-of-file marker "%%EOF" ends it, allowing trailing white space and a
// little padding some scanners add. The PDF is not rendered here; the web
// layer serves it as a download, never inline.
func checkPDF(b []byte) error {
	if len(b) < 8 || (b[5] != '1' && b[5] != '2') || b[6] != '.' || b[7] < '0' || b[7] > '9' {
		return errFileCorrupt
	}
	tail := b[max(0, len(b)-1024):]
	i := bytes.LastIndex(tail, []byte("%%EOF"))
	if i < 0 || len(bytes.TrimRight(tail[i+5:], "\x00\t\n\f\r ")) > 0 {
		return errFileCorrupt
	}
	return nil
}

// reencode decodes an image in full, refusing one of more than maxPixels
// before allocating it, and encodes its pixels again. The result may be
// somewhat larger than the upload, but not more than twice MaxUploadSize.
func reencode(b []byte, maxPixels int, config func(io.Reader) (image.Config, error),
	decode func(io.Reader) (image.Image, error), encode func(*bytes.Buffer, image.Image) error) ([]byte, error) {
	cfg, err := config(bytes.NewReader(b))
	if err != nil {
		return nil, errFileCorrupt
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errFileCorrupt
	}
	if cfg.Width > maxPixels/cfg.Height {
		return nil, errFileTooBig
	}
	img, err := decode(bytes.NewReader(b))
	if err != nil {
		return nil, errFileCorrupt
	}
	var buf bytes.Buffer
	if err := encode(&buf, img); err != nil {
		return nil, fmt.Errorf("vault: re-encode image: %w", err)
	}
	if buf.Len() > 2*MaxUploadSize {
		return nil, errFileTooBig
	}
	return buf.Bytes(), nil
}
