package issuer

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/vault"
)

// PhotoClaim is the member of a signed document payload that binds a
// portrait photo sent beside it: the lower-case hex SHA-256 of the photo's
// bytes as sent. It is not a field of the document and is removed before
// the fields are validated.
const PhotoClaim = "photo_sha256"

// photoClaim splits the PhotoClaim member off a document payload. It
// returns the payload without it (the payload itself when it has none or
// is not a JSON object, for the vault to judge), the claim, and whether it
// was present. A claim that is not a string, or given twice, is refused.
func photoClaim(payload []byte) (fields []byte, claim string, present bool, err error) {
	if !bytes.Contains(payload, []byte(PhotoClaim)) {
		return payload, "", false, nil
	}
	type member struct {
		key   string
		value json.RawMessage
	}
	var members []member
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return payload, "", false, nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return payload, "", false, nil
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return payload, "", false, nil
		}
		if key != PhotoClaim {
			members = append(members, member{key, v})
			continue
		}
		if present {
			return nil, "", false, invalid("document", "photo_sha256", "The document names "+PhotoClaim+" twice.")
		}
		if err := json.Unmarshal(v, &claim); err != nil {
			return nil, "", false, invalid("document", "photo_sha256", PhotoClaim+" must be the hex SHA-256 of the photo.")
		}
		present = true
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') || dec.More() {
		return payload, "", false, nil
	}
	if !present {
		return payload, "", false, nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes(), claim, true, nil
}

// checkPhotoClaim checks that a photo sent with a document is the one its
// signed payload names, and that a payload naming a photo comes with one.
func checkPhotoClaim(photo []byte, claim string, present bool) error {
	switch {
	case len(photo) == 0 && present:
		return invalid("photo", "required", "The document names a photo ("+PhotoClaim+") but none was sent.")
	case len(photo) == 0:
		return nil
	case !present:
		return invalid("photo", "unsigned", "A photo must be named in the signed document: add "+PhotoClaim+" (hex SHA-256 of the photo) to its payload.")
	}
	sum := sha256.Sum256(photo)
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(claim)), []byte(want)) != 1 {
		return invalid("photo", "mismatch", "The photo does not match the "+PhotoClaim+" of the signed document.")
	}
	return nil
}

// DecodePhoto decodes the base64 (standard alphabet, padded) photo of a
// push, as the issuer API and the importer carry it; "" is no photo. The image itself is judged by the vault.
func DecodePhoto(s string) ([]byte, error) {
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
