package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
)

// b64 is base64url without padding (RFC 7515 section 2); Strict refuses
// non-zero trailing bits, so one byte array has exactly one "lst".
var b64 = base64.RawURLEncoding.Strict()

// maxCompressed bounds the zlib stream accepted for MaxBytes of output:
// incompressible data grows by 5 bytes per 64 KiB stored block plus the
// 6-byte zlib wrapper, well inside this margin.
const maxCompressed = MaxBytes + MaxBytes/1024 + 64

// Encode returns the "lst" value: the byte array compressed with DEFLATE
// in the ZLIB format at the highest level (draft section 4.1, step 3), then
// base64url-encoded.
func (l *List) Encode() (string, error) {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return "", fmt.Errorf("statuslist: zlib: %w", err)
	}
	if _, err := zw.Write(l.data); err != nil {
		return "", fmt.Errorf("statuslist: compressing: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("statuslist: compressing: %w", err)
	}
	return b64.EncodeToString(buf.Bytes()), nil
}

// Decode reads an "lst" value of a list with the given bits. It refuses
// input that is not base64url, not one complete ZLIB stream with a correct
// checksum and nothing after it, empty, or that would inflate beyond
// MaxBytes; the compressed size is checked before anything is decoded.
func Decode(bits int, lst string) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("%w: %d", ErrBits, bits)
	}
	if len(lst) > b64.EncodedLen(maxCompressed) {
		return nil, fmt.Errorf("%w: lst of %d characters", ErrTooLarge, len(lst))
	}
	compressed, err := b64.DecodeString(lst)
	if err != nil {
		return nil, fmt.Errorf("%w: lst is not base64url", ErrMalformed)
	}
	data, err := inflate(compressed, MaxBytes)
	if err != nil {
		return nil, err
	}
	return &List{bits: bits, data: data}, nil
}

// inflate decompresses one ZLIB stream into at most limit bytes, reading
// never more than limit+1 so a zip bomb costs at most limit of memory.
func inflate(compressed []byte, limit int) ([]byte, error) {
	src := bytes.NewReader(compressed) // an io.ByteReader: flate reads no further than the stream
	zr, err := zlib.NewReader(src)
	if err != nil {
		return nil, fmt.Errorf("%w: zlib header: %w", ErrMalformed, err)
	}
	defer zr.Close()
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, int64(limit)+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: inflating: %w", ErrMalformed, err)
	case n > int64(limit):
		return nil, fmt.Errorf("%w: more than %d bytes uncompressed", ErrTooLarge, limit)
	case n == 0:
		return nil, fmt.Errorf("%w: empty status list", ErrMalformed)
	case src.Len() != 0:
		return nil, fmt.Errorf("%w: %d bytes after the zlib stream", ErrMalformed, src.Len())
	}
	return out.Bytes(), nil
}

// jsonList is the Status List in JSON (draft section 4.2). Other members,
// such as aggregation_uri, are allowed and ignored.
type jsonList struct {
	Bits *int    `json:"bits"`
	Lst  *string `json:"lst"`
}

// MarshalJSON writes {"bits": N, "lst": "..."}.
func (l *List) MarshalJSON() ([]byte, error) {
	lst, err := l.Encode()
	if err != nil {
		return nil, err
	}
	return json.Marshal(jsonList{Bits: &l.bits, Lst: &lst})
}

// UnmarshalJSON reads {"bits": N, "lst": "..."} through [Decode], with the
// same limits; both members are required.
func (l *List) UnmarshalJSON(b []byte) error {
	var j jsonList
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("%w: status_list: %w", ErrMalformed, err)
	}
	if j.Bits == nil || j.Lst == nil {
		return fmt.Errorf("%w: status_list needs bits and lst", ErrMissingClaim)
	}
	d, err := Decode(*j.Bits, *j.Lst)
	if err != nil {
		return err
	}
	*l = *d
	return nil
}
