package present_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/present"
)

func TestParseHandle(t *testing.T) {
	raw := bytes.Repeat([]byte{0xa5}, 16)
	good := present.FormatHandle(raw)
	for _, ok := range []string{good, " " + good + "\n", strings.ToLower(good)} {
		got, err := present.ParseHandle(ok)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("ParseHandle(%q) = %x, %v; want %x", ok, got, err, raw)
		}
	}
	for name, bad := range map[string]string{
		"empty": "", "no prefix": good[len(present.HandlePrefix):], "offline prefix": "DID1:" + good[5:],
		"short": good[:len(good)-1], "long": good + "A", "bad char": good[:len(good)-1] + "1",
		"non-canonical": good[:len(good)-1] + "B", "huge": good + strings.Repeat("A", 100),
	} {
		if _, err := present.ParseHandle(bad); !errors.Is(err, present.ErrHandle) {
			t.Errorf("ParseHandle(%s) = %v, want ErrHandle", name, err)
		}
	}
}

// FuzzParseHandle: the parser of scanned text never panics, and what it
// accepts formats back to the same handle.
func FuzzParseHandle(f *testing.F) {
	f.Add(present.FormatHandle(bytes.Repeat([]byte{1}, 16)))
	f.Add("didh:aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("DIDH:")
	f.Add("DID1:eyJ.e30.x~")
	f.Add("\x00DIDH:\xff")
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := present.ParseHandle(s)
		if err != nil {
			if raw != nil {
				t.Fatalf("ParseHandle(%q) returned bytes with an error", s)
			}
			return
		}
		if len(raw) != 16 {
			t.Fatalf("ParseHandle(%q) = %d bytes", s, len(raw))
		}
		if !strings.EqualFold(strings.TrimSpace(s), present.FormatHandle(raw)) {
			t.Fatalf("ParseHandle(%q) = %x, which formats as %q", s, raw, present.FormatHandle(raw))
		}
	})
}

func TestQR(t *testing.T) {
	q, err := present.NewQR(present.FormatHandle(bytes.Repeat([]byte{0xff}, 16)))
	if err != nil || q.Version > 4 {
		t.Fatalf("NewQR = %+v, %v; want version ≤ 4", q, err)
	}
	svg := q.SVG()
	if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(svg, "</svg>") || strings.Contains(svg, "DIDH") {
		t.Errorf("SVG = %.80s…", svg)
	}
	png, err := q.PNG(4)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("PNG = %d bytes, %v", len(png), err)
	}
	if _, err := q.PNG(0); err == nil {
		t.Error("PNG(0) = nil error")
	}
}

func BenchmarkQRSVG(b *testing.B) {
	payload := present.FormatHandle(bytes.Repeat([]byte{0x5a}, 16))
	for b.Loop() {
		q, err := present.NewQR(payload)
		if err != nil {
			b.Fatal(err)
		}
		_ = q.SVG()
	}
}

func BenchmarkQRPNG(b *testing.B) {
	payload := present.FormatHandle(bytes.Repeat([]byte{0x5a}, 16))
	for b.Loop() {
		q, err := present.NewQR(payload)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := q.PNG(8); err != nil {
			b.Fatal(err)
		}
	}
}
