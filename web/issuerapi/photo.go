package issuerapi

import (
	"encoding/base64"
	"fmt"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/vault"
)

// decodePhoto decodes the base64 (standard alphabet, padded) photo of a
// push; "" is no photo. The image itself is judged by the vault.
func decodePhoto(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	fail := func(dcode, code, msg string) error {
		return &digitalid.Error{Code: dcode, Key: "issuer.error.invalid", Message: msg,
			Fields: []digitalid.FieldError{{Field: "photo", Code: code, Message: msg}}}
	}
	if base64.StdEncoding.DecodedLen(len(s)) > vault.MaxPhotoSize+2 {
		return nil, fail(digitalid.ETOOLARGE, vault.CodeFileTooBig,
			fmt.Sprintf("The photo is too large: at most %d KiB.", vault.MaxPhotoSize>>10))
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fail(digitalid.EINVALID, "base64", "The photo must be base64 (standard alphabet, padded) of a JPEG or PNG.")
	}
	if len(b) > vault.MaxPhotoSize {
		return nil, fail(digitalid.ETOOLARGE, vault.CodeFileTooBig,
			fmt.Sprintf("The photo is too large: at most %d KiB.", vault.MaxPhotoSize>>10))
	}
	return b, nil
}
