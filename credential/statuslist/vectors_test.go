package statuslist

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDraftExamples checks the examples in the body of the draft: the
// 16-entry 1-bit list of section 4.1 and the 12-entry 2-bit list of
// "Further Examples", both as byte arrays (bit order) and as "lst".
func TestDraftExamples(t *testing.T) {
	tests := []struct {
		name     string
		bits     int
		statuses []Status
		bytes    []byte
		lst      string
	}{
		{
			name:     "1-bit, section 4.1",
			bits:     1,
			statuses: []Status{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1},
			bytes:    []byte{0xb9, 0xa3},
			lst:      "eNrbuRgAAhcBXQ",
		},
		{
			name:     "2-bit, further examples",
			bits:     2,
			statuses: []Status{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3},
			bytes:    []byte{0xc9, 0x44, 0xf9},
			lst:      "eNo76fITAAPfAgc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.bits, len(tt.statuses))
			if err != nil {
				t.Fatalf("New(%d, %d) = %v", tt.bits, len(tt.statuses), err)
			}
			for i, s := range tt.statuses {
				if err := l.Set(i, s); err != nil {
					t.Fatalf("Set(%d, %v) = %v", i, s, err)
				}
			}
			if got := l.Bytes(); !bytes.Equal(got, tt.bytes) {
				t.Errorf("Bytes() = %#x, want %#x", got, tt.bytes)
			}
			d, err := Decode(tt.bits, tt.lst)
			if err != nil {
				t.Fatalf("Decode(%d, %q) = %v", tt.bits, tt.lst, err)
			}
			if got := d.Bytes(); !bytes.Equal(got, tt.bytes) {
				t.Errorf("Decode(%q).Bytes() = %#x, want %#x", tt.lst, got, tt.bytes)
			}
			for i, want := range tt.statuses {
				if got, err := d.Get(i); err != nil || got != want {
					t.Errorf("Decode(%q).Get(%d) = %v, %v; want %v", tt.lst, i, got, err, want)
				}
			}
			enc, err := l.Encode()
			if err != nil {
				t.Fatalf("Encode() = %v", err)
			}
			if enc != tt.lst {
				t.Logf("Encode() = %q, draft has %q (zlib output may differ; the bits are compared)", enc, tt.lst)
			}
			assertSameList(t, enc, l)
		})
	}
}

// TestDraftVectors checks the appendix "Test vectors for Status List
// encoding": 2^20-entry lists of 1, 2, 4 and 8 bits. The draft's lst must
// decode to exactly the listed statuses (every other entry VALID), and our
// own encoding of the same statuses must decode to the same bytes.
func TestDraftVectors(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		t.Run(fmt.Sprintf("%d-bit", bits), func(t *testing.T) {
			statuses := readStatuses(t, fmt.Sprintf("draft%d.txt", bits))
			lst := readLst(t, fmt.Sprintf("draft%d.lst", bits))
			want, err := New(bits, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			for idx, s := range statuses {
				if err := want.Set(idx, s); err != nil {
					t.Fatalf("Set(%d, %v) = %v", idx, s, err)
				}
			}
			got, err := Decode(bits, lst)
			if err != nil {
				t.Fatalf("Decode(%d, draft lst) = %v", bits, err)
			}
			if got.Len() != 1<<20 {
				t.Errorf("Decode(%d, draft lst).Len() = %d, want %d", bits, got.Len(), 1<<20)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("Decode(%d, draft lst) differs from the draft's statuses", bits)
			}
			nonzero := 0
			for i := range got.Len() {
				s, err := got.Get(i)
				if err != nil {
					t.Fatalf("Get(%d) = %v", i, err)
				}
				if s != statuses[i] {
					t.Fatalf("Decode(%d, draft lst).Get(%d) = %v, want %v", bits, i, s, statuses[i])
				}
				if s != Valid {
					nonzero++
				}
			}
			t.Logf("%d non-VALID entries; draft lst %d characters", nonzero, len(lst))
			enc, err := want.Encode()
			if err != nil {
				t.Fatalf("Encode() = %v", err)
			}
			t.Logf("our lst %d characters", len(enc))
			assertSameList(t, enc, want)
		})
	}
}

// assertSameList fails unless lst decodes to exactly the bytes of want.
func assertSameList(t *testing.T, lst string, want *List) {
	t.Helper()
	got, err := Decode(want.Bits(), lst)
	if err != nil {
		t.Fatalf("Decode(Encode()) = %v", err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("Decode(Encode()) differs from the list encoded")
	}
}

// readStatuses reads lines "status[IDX] = VALUE" from testdata.
func readStatuses(t *testing.T, name string) map[int]Status {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]Status{}
	for line := range strings.Lines(string(b)) {
		var idx, v int
		if _, err := fmt.Sscanf(strings.ReplaceAll(line, " ", ""), "status[%d]=%d", &idx, &v); err != nil {
			t.Fatalf("%s: %q: %v", name, line, err)
		}
		out[idx] = Status(v)
	}
	return out
}

// readLst reads a line-wrapped lst from testdata, white space removed.
func readLst(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), "")
}
