package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSetGetRoundTrip fills lists of every bit size with random statuses
// and checks each entry reads back, through Encode and Decode too, and that
// Set leaves neighbours alone.
func TestSetGetRoundTrip(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		t.Run(fmt.Sprintf("%d-bit", bits), func(t *testing.T) {
			const size = 10_000
			r := rand.New(rand.NewPCG(1, uint64(bits)))
			l, err := New(bits, size)
			if err != nil {
				t.Fatalf("New(%d, %d) = %v", bits, size, err)
			}
			want := make([]Status, l.Len())
			for i := range want {
				want[i] = Status(r.IntN(1 << bits))
				if err := l.Set(i, want[i]); err != nil {
					t.Fatalf("Set(%d, %v) = %v", i, want[i], err)
				}
			}
			lst, err := l.Encode()
			if err != nil {
				t.Fatalf("Encode() = %v", err)
			}
			d, err := Decode(bits, lst)
			if err != nil {
				t.Fatalf("Decode(Encode()) = %v", err)
			}
			for _, got := range []*List{l, d} {
				for i, w := range want {
					if s, err := got.Get(i); err != nil || s != w {
						t.Fatalf("Get(%d) = %v, %v; want %v", i, s, err, w)
					}
				}
			}
			// Overwrite one entry: its neighbours keep their values.
			mid := size / 2
			top := Status(1<<bits - 1)
			if err := l.Set(mid, top); err != nil {
				t.Fatalf("Set(%d, %v) = %v", mid, top, err)
			}
			if err := l.Set(mid, Valid); err != nil {
				t.Fatalf("Set(%d, VALID) = %v", mid, err)
			}
			for _, i := range []int{mid - 1, mid + 1} {
				if s, _ := l.Get(i); s != want[i] {
					t.Errorf("after Set(%d): Get(%d) = %v, want %v", mid, i, s, want[i])
				}
			}
		})
	}
}

func TestListErrors(t *testing.T) {
	l, err := New(2, 8)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"New bits 3", second(New(3, 8)), ErrBits},
		{"New bits 0", second(New(0, 8)), ErrBits},
		{"New size 0", second(New(1, 0)), ErrOptions},
		{"New size too large", second(New(1, MaxBytes*8+1)), ErrOptions},
		{"FromBytes empty", second(FromBytes(1, nil)), ErrOptions},
		{"FromBytes bits 16", second(FromBytes(16, []byte{1})), ErrBits},
		{"Get -1", second(l.Get(-1)), ErrIndex},
		{"Get Len", second(l.Get(l.Len())), ErrIndex},
		{"Set Len", l.Set(l.Len(), Valid), ErrIndex},
		{"Set 4 in 2 bits", l.Set(0, 4), ErrValue},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if l.Len() != 8 {
		t.Errorf("New(2, 8).Len() = %d, want 8", l.Len())
	}
	if r, _ := New(1, 9); r.Len() != 16 {
		t.Errorf("New(1, 9).Len() = %d, want 16 (whole bytes)", r.Len())
	}
}

func second[T any](_ T, err error) error { return err }

// zlibOf compresses b, for hand-made inputs.
func zlibOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zeros compresses n zero bytes without holding them in memory at once.
func zeros(t testing.TB, n int) string {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	chunk := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := zw.Write(chunk[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// TestDecodeRefuses feeds Decode every kind of broken or hostile lst.
func TestDecodeRefuses(t *testing.T) {
	good := zlibOf(t, []byte{0xb9, 0xa3})
	enc := base64.RawURLEncoding.EncodeToString
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 1
	tests := []struct {
		name string
		bits int
		lst  string
		want error
	}{
		{"bits 3", 3, enc(good), ErrBits},
		{"not base64url", 1, "eNr+uRgAAhcBXQ", ErrMalformed},
		{"padded", 1, enc(good) + "=", ErrMalformed},
		{"non-zero trailing bits", 1, "eNrbuRgAAhcBXR", ErrMalformed},
		{"empty string", 1, "", ErrMalformed},
		{"raw deflate, no zlib header", 1, enc(good[2 : len(good)-4]), ErrMalformed},
		{"gzip instead of zlib", 1, "H4sIAAAAAAAA_7rZWAAAAAD__w", ErrMalformed},
		{"truncated", 1, enc(good[:len(good)-3]), ErrMalformed},
		{"wrong checksum", 1, enc(badSum), ErrMalformed},
		{"trailing data", 1, enc(append(bytes.Clone(good), 0)), ErrMalformed},
		{"empty list", 1, enc(zlibOf(t, nil)), ErrMalformed},
		{"zip bomb: MaxBytes+1 zeros", 1, zeros(t, MaxBytes+1), ErrTooLarge},
		{"zip bomb: 64 MiB zeros", 8, zeros(t, 64<<20), ErrTooLarge},
		{"lst longer than any allowed", 1, strings.Repeat("A", b64.EncodedLen(maxCompressed)+1), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Decode(tt.bits, tt.lst)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode(%d, %.40q) = %v, %v; want %v", tt.bits, tt.lst, l, err, tt.want)
			}
		})
	}
}

// TestDecodeMaxBytes accepts a list of exactly MaxBytes: the limit refuses
// bombs, not the largest honest list.
func TestDecodeMaxBytes(t *testing.T) {
	l, err := Decode(1, zeros(t, MaxBytes))
	if err != nil {
		t.Fatalf("Decode(MaxBytes zeros) = %v", err)
	}
	if l.Len() != MaxBytes*8 {
		t.Errorf("Len() = %d, want %d", l.Len(), MaxBytes*8)
	}
}

func TestJSON(t *testing.T) {
	l, _ := FromBytes(1, []byte{0xb9, 0xa3})
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatalf("json.Marshal(List) = %v", err)
	}
	var back List
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("json.Unmarshal(%s) = %v", b, err)
	}
	if back.Bits() != 1 || !bytes.Equal(back.Bytes(), l.Bytes()) {
		t.Errorf("json round trip = %d bits %#x, want 1 bit %#x", back.Bits(), back.Bytes(), l.Bytes())
	}
	draft := `{"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": "https://example.com/statuslists"}`
	if err := json.Unmarshal([]byte(draft), &back); err != nil || !bytes.Equal(back.Bytes(), []byte{0xb9, 0xa3}) {
		t.Errorf("json.Unmarshal(draft example) = %v, bytes %#x", err, back.Bytes())
	}
	for in, want := range map[string]error{
		`{"bits": 1}`:                 ErrMissingClaim,
		`{"lst": "eNrbuRgAAhcBXQ"}`:   ErrMissingClaim,
		`{"bits": "1", "lst": "eNo"}`: ErrMalformed,
		`{"bits": 1.5, "lst": "eNo"}`: ErrMalformed,
		`{"bits": 16, "lst": "eNo"}`:  ErrBits,
		`{"bits": 1, "lst": 7}`:       ErrMalformed,
		`["bits", 1]`:                 ErrMalformed,
	} {
		if err := json.Unmarshal([]byte(in), &back); !errors.Is(err, want) {
			t.Errorf("json.Unmarshal(%s) = %v, want %v", in, err, want)
		}
	}
}
