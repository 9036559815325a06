package sdjwt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// decodeJSON parses one JSON value from outside bytes strictly: numbers stay
// json.Number (no precision lost), objects with a repeated member name are
// refused (two parsers could otherwise read two different claims from one
// signed payload, RFC 8725 section 3.8 / RFC 7519 section 4), nesting deeper
// than maxDepth is refused, and nothing may follow the value.
func decodeJSON(data []byte, maxDepth int) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	d := jsonDecoder{dec: dec, maxDepth: maxDepth}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON value", ErrMalformed)
	}
	return v, nil
}

// decodeObject is decodeJSON for a value that must be a JSON object.
func decodeObject(data []byte, maxDepth int) (map[string]any, error) {
	v, err := decodeJSON(data, maxDepth)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	return m, nil
}

type jsonDecoder struct {
	dec      *json.Decoder
	maxDepth int
}

func (d *jsonDecoder) value(depth int) (any, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: invalid JSON", ErrMalformed)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if depth >= d.maxDepth {
		return nil, ErrTooDeep
	}
	switch delim {
	case '{':
		return d.object(depth)
	case '[':
		return d.array(depth)
	}
	return nil, fmt.Errorf("%w: invalid JSON", ErrMalformed)
}

func (d *jsonDecoder) object(depth int) (map[string]any, error) {
	m := map[string]any{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: invalid JSON", ErrMalformed)
		}
		key, _ := tok.(string) // the decoder only yields strings as object keys
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("%w: member %q appears twice in one object", ErrMalformed, key)
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	if _, err := d.dec.Token(); err != nil { // '}'
		return nil, fmt.Errorf("%w: invalid JSON", ErrMalformed)
	}
	return m, nil
}

func (d *jsonDecoder) array(depth int) ([]any, error) {
	a := []any{}
	for d.dec.More() {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	if _, err := d.dec.Token(); err != nil { // ']'
		return nil, fmt.Errorf("%w: invalid JSON", ErrMalformed)
	}
	return a, nil
}

// encodeJSON is json.Marshal without HTML escaping, which only makes tokens
// longer (a QR code has no HTML to protect).
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
