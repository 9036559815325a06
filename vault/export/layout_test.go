package export

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/digitalid/digitalid/vault"
)

func newFonts(t testing.TB) *fontSet {
	t.Helper()
	fs, err := parseFonts()
	if err != nil {
		t.Fatalf("parseFonts() = %v", err)
	}
	return fs
}

func TestFontsCoverKazakhAndRussian(t *testing.T) {
	fs := newFonts(t)
	letters := kazakhLetters + strings.ToUpper(kazakhLetters) + "абвгдеёжзийклмнопрстуфхцчшщъыьэюяЁЯ№—…·"
	for i, f := range fs.faces {
		for _, r := range letters {
			if gi, err := f.GlyphIndex(&fs.buf, r); err != nil || gi == 0 {
				t.Errorf("font %d has no glyph for %q", i, r)
			}
		}
	}
}

func TestWrap(t *testing.T) {
	fs := newFonts(t)
	st := style{10, false, colValue}
	long := strings.Repeat("Жаңаөзен қалалық ішкі істер бөлімі ", 40)
	tests := []struct {
		name     string
		in       string
		maxLines int
		want     []string // nil: only the invariants are checked
		cut      bool
	}{
		{"fits", "Нұрғалиева Шаһизада", 3, []string{"Нұрғалиева Шаһизада"}, false},
		{"spaces collapse", "  a \t  b  ", 3, []string{"a b"}, false},
		{"paragraphs", "Абонемент.\n\nЗал №3.\n\n", 5, []string{"Абонемент.", "", "Зал №3."}, false},
		{"empty", "", 3, nil, false},
		{"long text is cut", long, 4, nil, true},
		{"long word breaks", strings.Repeat("ӘҒҚҢӨҰҮҺІ", 30), 20, nil, false},
		{"long word is cut", strings.Repeat("W", 500), 2, nil, true},
		{"one line", long, 1, nil, true},
		{"bidi controls dropped", "a\u202Eb\u2066c", 1, []string{"abc"}, false},
		{"controls become spaces", "a\x00b\x1bc\rd", 1, []string{"a b c d"}, false},
		{"invalid UTF-8", "a\xffb", 1, []string{"a\uFFFDb"}, false},
	}
	const maxW = 150
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fs.wrap(tt.in, st, maxW, tt.maxLines)
			if tt.want != nil && strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("wrap(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > tt.maxLines {
				t.Errorf("wrap(%q) = %d lines, want at most %d", tt.in, len(got), tt.maxLines)
			}
			for _, l := range got {
				if w := fs.width(l, st); w > maxW+0.001 || !utf8.ValidString(l) {
					t.Errorf("wrap(%q) line %q is %.1f wide, limit %d", tt.in, l, w, maxW)
				}
			}
			cut := len(got) > 0 && strings.HasSuffix(got[len(got)-1], ellipsis)
			if cut != tt.cut {
				t.Errorf("wrap(%q) = %q: ends with an ellipsis %v, want %v", tt.in, got, cut, tt.cut)
			}
			if !tt.cut && tt.want == nil {
				joined := strings.Join(got, "")
				if joined != strings.Join(strings.Fields(tt.in), "") {
					t.Errorf("wrap(%q) lost text: %q", tt.in, got)
				}
			}
		})
	}
}

// checkInside fails when any drawing leaves the card or a text runs into
// the margin: what "long values never overflow" means.
func checkInside(t testing.TB, name string, pages []*page, paged bool) {
	t.Helper()
	for i, p := range pages {
		if paged && p.h != pageH {
			t.Errorf("%s: page %d is %.1f tall, want %.1f", name, i, p.h, pageH)
		}
		if !paged && (p.h < minImageH || p.h > maxImageH+footerH) {
			t.Errorf("%s: image is %.1f tall", name, p.h)
		}
		for _, o := range p.ops {
			right := cardW
			if o.kind == opText {
				right = cardW - margin
			}
			if o.x < 0 || o.x+o.w > right+0.01 || o.y < 0 || o.y+o.h > p.h {
				t.Errorf("%s: page %d: %v op %q at (%.1f,%.1f) size %.1fx%.1f leaves the card", name, i, o.kind, o.text, o.x, o.y, o.w, o.h)
			}
		}
	}
}

// bigCard has many fields with very long values.
func bigCard(t testing.TB, reg *vault.Registry) Card {
	t.Helper()
	c := largeFamily(t, reg)
	for range 40 {
		c.Fields = append(c.Fields, Line{Label: strings.Repeat("Өте ұзын белгі ", 10), Value: strings.Repeat("Қарағанды облысы, Үшқоңыр ауылы ", 200)})
	}
	c.Issuer = strings.Repeat("Жаңаөзен қалалық ішкі істер бөлімі ", 20)
	c.TypeLabel = strings.Repeat("Көп балалы отбасы куәлігі ", 10)
	c.Status = strings.Repeat("Күші жойылған ", 10)
	return c
}

func TestLayout(t *testing.T) {
	reg := newRegistry(t)
	fs := newFonts(t)
	hostile, _ := hostileCard(t, reg)
	noQR := sampleCard(t, reg, samples(t, reg)[1])
	noQR.VerifyURL = ""
	cards := map[string]Card{"hostile": hostile, "family": largeFamily(t, reg), "big": bigCard(t, reg), "no QR": noQR, "empty": {}}
	for _, s := range samples(t, reg) {
		cards[s.name] = sampleCard(t, reg, s)
	}
	for name, c := range cards {
		for _, paged := range []bool{true, false} {
			pages, err := layout(c, fs, paged)
			if err != nil {
				t.Fatalf("layout(%s) = %v", name, err)
			}
			checkInside(t, name, pages, paged)
			if !paged && len(pages) != 1 {
				t.Errorf("layout(%s, image) = %d pages, want 1", name, len(pages))
			}
		}
	}
}

// pageTexts returns each page's texts joined by spaces.
func pageTexts(pages []*page) []string {
	var out []string
	for _, p := range pages {
		var b strings.Builder
		for _, o := range p.ops {
			if o.kind == opText {
				b.WriteString(o.text + " ")
			}
		}
		out = append(out, b.String())
	}
	return out
}

func TestLayoutGrows(t *testing.T) {
	reg := newRegistry(t)
	fs := newFonts(t)
	small, err := layout(sampleCard(t, reg, samples(t, reg)[2]), fs, true)
	if err != nil || len(small) != 1 {
		t.Fatalf("layout(student card, PDF) = %d pages, %v; want 1", len(small), err)
	}
	fam := largeFamily(t, reg)
	pages, err := layout(fam, fs, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 2 {
		t.Fatalf("layout(30 children, PDF) = %d pages, want several", len(pages))
	}
	texts := pageTexts(pages)
	for i, txt := range texts {
		if want := fmt.Sprintf("%d / %d", i+1, len(pages)); !strings.Contains(txt, want) {
			t.Errorf("PDF page %d has no page number %q: %s", i+1, want, txt)
		}
		if !strings.Contains(txt, "Көп балалы отбасы куәлігі") || !strings.Contains(txt, "Күші жойылған") {
			t.Errorf("PDF page %d lacks the title or status", i+1)
		}
		if i > 0 && !strings.Contains(txt, "Балалар") {
			t.Errorf("PDF page %d continues the children without their label", i+1)
		}
	}
	for i := 1; i <= 30; i++ {
		if !strings.Contains(" "+strings.Join(texts, " "), fmt.Sprintf(" %d. Қасымова", i)) {
			t.Errorf("PDF lacks child %d", i)
		}
	}
	img, err := layout(fam, fs, false)
	if err != nil {
		t.Fatal(err)
	}
	if img[0].h <= minImageH {
		t.Errorf("layout(30 children, image) is %.0f tall, want taller than %.0f", img[0].h, minImageH)
	}
	big, err := layout(bigCard(t, reg), fs, false)
	if err != nil {
		t.Fatal(err)
	}
	if txt := pageTexts(big)[0]; !strings.Contains(txt, ellipsis) {
		t.Errorf("layout(big card, image) shows no ellipsis for its cut rows")
	}
}
