package vault

import (
	"errors"
	"fmt"
	"slices"

	"github.com/digitalid/digitalid"
)

// Limits on the portrait photo an issuer attaches to a passport.
const (
	MaxPhotoSize   = 512 << 10  // bytes as sent
	MaxPhotoPixels = 16_000_000 // width × height (a 4000 × 4000 photo)
)

// Field error code of a photo sent with a type that carries none.
const CodePhotoType = "photo_type"

// photoTypes are the document types that may carry a portrait photo.
var photoTypes = []string{"passport_ru", "passport_international"}

// PhotoAllowed reports whether documents of typeID may carry a portrait
// photo: the passports.
func PhotoAllowed(typeID string) bool { return slices.Contains(photoTypes, typeID) }

// IssuerOptions are the optional parts of a document an issuer sends.
type IssuerOptions struct {
	// Photo is the holder's portrait, a JPEG or PNG of at most MaxPhotoSize
	// bytes and MaxPhotoPixels, for passports only (PhotoAllowed). It is
	// stored, re-encoded without metadata and turned upright by its EXIF
	// orientation, as the document's only file; an update without a photo
	// removes the one stored before, since the issuer's push is the whole
	// document. Empty means no photo.
	Photo []byte
}

// checkPhoto accepts a portrait for a document of typeID: recognised by
// content as JPEG or PNG, decoded in full and re-encoded (see sanitize).
//
// Errors: EINVALID or ETOOLARGE with one field error on "photo".
func checkPhoto(typeID string, b []byte) (scan, error) {
	fail := func(code, dcode, key, msg string) (scan, error) {
		return scan{}, &digitalid.Error{Code: dcode, Key: key, Message: msg,
			Fields: []digitalid.FieldError{{Field: "photo", Code: code, Key: key, Message: msg}}}
	}
	tooBig := fmt.Sprintf("The photo is too large: at most %d KiB and %d megapixels.", MaxPhotoSize>>10, MaxPhotoPixels/1_000_000)
	if !PhotoAllowed(typeID) {
		return fail(CodePhotoType, digitalid.EINVALID, "vault.error.photo_type",
			"Only a passport (passport_ru, passport_international) carries a portrait photo.")
	}
	if len(b) > MaxPhotoSize {
		return fail(CodeFileTooBig, digitalid.ETOOLARGE, "vault.error.photo_too_big", tooBig)
	}
	mediaType, content, err := sanitize(b, MaxPhotoPixels)
	switch {
	case errors.Is(err, errFileTooBig):
		return fail(CodeFileTooBig, digitalid.ETOOLARGE, "vault.error.photo_too_big", tooBig)
	case errors.Is(err, errFileType) || (err == nil && mediaType != MediaJPEG && mediaType != MediaPNG):
		return fail(CodeFileType, digitalid.EINVALID, "vault.error.photo_type_media", "The photo is not a JPEG or PNG image.")
	case errors.Is(err, errFileCorrupt):
		return fail(CodeFileCorrupt, digitalid.EINVALID, "vault.error.photo_corrupt", "The photo is damaged or incomplete.")
	case err != nil:
		return scan{}, err
	}
	name := "portrait.png"
	if mediaType == MediaJPEG {
		name = "portrait.jpg"
	}
	return scan{name: name, mediaType: mediaType, content: content}, nil
}
