package web

import (
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
)

// Text the client sends must be valid UTF-8 without NUL: PostgreSQL
// refuses anything else in a text column or parameter (SQLSTATE 22021), so
// an id in the path such as %ff or %00 was a 500 there and a 404 on
// SQLite. No name, id or value of ours holds such bytes, so the server
// refuses them at the edge, the same on both databases: a path holding them
// names nothing (404), a query or form holding them is a 400, and so is a
// JSON string with a \u0000 (the decoder already turns invalid UTF-8 into
// U+FFFD).

// isText reports whether s is valid UTF-8 without NUL.
func isText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// formIsText reports whether every key and value of f is text.
func formIsText(f url.Values) bool {
	for k, vs := range f {
		if !isText(k) {
			return false
		}
		for _, v := range vs {
			if !isText(v) {
				return false
			}
		}
	}
	return true
}

// errNotText is the 400 for a query, form or JSON body that is not text.
func errNotText() error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: "error.not_text", Message: "The request holds bytes that are not text (invalid UTF-8 or NUL)."}
}

// hasNUL reports whether a decoded JSON value holds a string with NUL,
// anywhere in its structs, slices, maps and pointers.
func hasNUL(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return strings.IndexByte(v.String(), 0) >= 0
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && hasNUL(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && hasNUL(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return false // bytes (json.RawMessage, base64): not text
		}
		for i := 0; i < v.Len(); i++ {
			if hasNUL(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if hasNUL(it.Key()) || hasNUL(it.Value()) {
				return true
			}
		}
	}
	return false
}
