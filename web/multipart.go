package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/digitalid/digitalid"
)

// PhotoForm is a multipart/form-data upload of one photo (the part named
// "image") with a few short text fields, as the identity checks send it.
type PhotoForm struct {
	Text  map[string]string
	Image []byte
}

// ReadPhotoForm reads a multipart/form-data body part by part, keeping the
// parts named in text (each at most textLimit bytes) and the part "image"
// (at most imageLimit+1 bytes, so that the image check can tell an
// oversized photo) in memory and nothing on disk; other parts are skipped.
// A body over the route's limit comes back as its *http.MaxBytesError (the
// server answers 413); a body that is not multipart or cannot be read is
// EINVALID with a field error on "image" under imageKey; a text part over
// textLimit is EINVALID on that field (error.field_too_long). A missing
// image is the caller's to judge.
func ReadPhotoForm(r *http.Request, text []string, textLimit int, imageLimit int64, imageKey string) (PhotoForm, error) {
	f := PhotoForm{Text: map[string]string{}}
	unreadable := func(msg string, err error) error {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return err
		}
		return &digitalid.Error{Code: digitalid.EINVALID, Key: imageKey, Message: msg, Err: err,
			Fields: []digitalid.FieldError{{Field: "image", Code: digitalid.EINVALID, Key: imageKey, Message: msg}}}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, unreadable("Send the photo as multipart/form-data.", err)
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return f, unreadable("The upload could not be read.", err)
		}
		name := p.FormName()
		limit := int64(textLimit) + 1
		switch {
		case name == "image":
			limit = imageLimit + 1
		case !slices.Contains(text, name):
			continue
		}
		var b bytes.Buffer
		if _, err := io.Copy(&b, io.LimitReader(p, limit)); err != nil {
			return f, unreadable("The upload could not be read.", err)
		}
		if name == "image" {
			f.Image = b.Bytes()
			continue
		}
		if b.Len() > textLimit {
			msg := "A field of the form is too long."
			return f, &digitalid.Error{Code: digitalid.EINVALID, Key: "error.field_too_long", Message: msg,
				Fields: []digitalid.FieldError{{Field: name, Code: digitalid.EINVALID, Key: "error.field_too_long", Message: msg}}}
		}
		f.Text[name] = b.String()
	}
}
