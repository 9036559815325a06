package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/digitalid/digitalid"
)

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return digitalid.Wrap(digitalid.EINTERNAL, err, "encode response")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(body, '\n'))
	return err
}

// DecodeJSON reads the request body, which must be one JSON object sent as
// application/json, into v (a pointer to a struct). It rejects unknown
// fields and trailing data. Errors are *digitalid.Error values ready to
// return from a handler: EINVALID with a clear message (and field errors for
// unknown or mistyped fields), or ETOOLARGE when the body passes the route's
// size limit.
func DecodeJSON(r *http.Request, v any) error {
	if err := jsonContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	if r.Body == nil {
		return invalidJSON("error.json.empty", "The request body is empty.", nil)
	}
	br := bufio.NewReader(r.Body)
	first, err := firstByte(br)
	if err != nil {
		return decodeError(err)
	}
	if first != '{' {
		return invalidJSON("error.json.object", "The request body must be a single JSON object.", nil)
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if hasNUL(reflect.ValueOf(v)) {
		return errNotText()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return invalidJSON("error.json.object", "The request body must be a single JSON object.", err)
	}
	return nil
}

// jsonContentType accepts application/json with, at most, charset=utf-8.
func jsonContentType(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		cs, ok := params["charset"]
		if len(params) == 0 || (len(params) == 1 && ok && strings.EqualFold(cs, "utf-8")) {
			return nil
		}
	}
	return invalidJSON("error.json.content_type", "The request body must be JSON (Content-Type: application/json).", err)
}

// firstByte skips white space and returns the first byte of the body,
// leaving it unread.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
}

// decodeError turns an error of reading or decoding the body into a
// user-facing *digitalid.Error.
func decodeError(err error) error {
	var (
		mbe    *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return &digitalid.Error{Code: digitalid.ETOOLARGE, Key: "error.too_large", Message: "The request body is too large.", Err: err}
	case errors.Is(err, io.EOF):
		return invalidJSON("error.json.empty", "The request body is empty.", err)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidJSON("error.json.syntax", "The request body is not valid JSON.", err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(root)"
		}
		e := invalidJSON("error.json.fields", "Some fields of the request body are wrong.", err)
		kind := ""
		if typ.Type != nil {
			kind = typ.Type.Kind().String()
		}
		e.Fields = []digitalid.FieldError{{Field: field, Code: "type", Message: "must be " + jsonKind(kind), Key: "error.field.type"}}
		return e
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		e := invalidJSON("error.json.fields", "Some fields of the request body are wrong.", err)
		e.Fields = []digitalid.FieldError{{Field: strings.Trim(name, `"`), Code: "unknown", Message: "unknown field", Key: "error.field.unknown"}}
		return e
	}
	return invalidJSON("error.json.syntax", "The request body is not valid JSON.", err)
}

func invalidJSON(key, msg string, err error) *digitalid.Error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: key, Message: msg, Err: err}
}

// jsonKind names a Go kind the way a JSON client understands it.
func jsonKind(kind string) string {
	switch {
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "slice", kind == "array":
		return "an array"
	case kind == "struct", kind == "map":
		return "an object"
	}
	return "of another type"
}
