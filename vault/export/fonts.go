package export

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// DejaVu Sans covers the Cyrillic letters of Russian and Kazakh (ә ғ қ ң ө
// ұ ү һ і) and is free to embed; see fonts/LICENSE.
var (
	//go:embed fonts/DejaVuSans.ttf
	regularTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldTTF []byte
)

// fontSet is the two parsed faces of one rendering. A sfnt.Font is safe for
// concurrent use, but the glyph buffer and advance cache are not, so each
// rendering parses its own set.
type fontSet struct {
	faces [2]*sfnt.Font // regular, bold
	buf   sfnt.Buffer
	adv   [2]map[rune]float64 // advance widths in em
}

func parseFonts() (*fontSet, error) {
	fs := &fontSet{}
	for i, ttf := range [][]byte{regularTTF, boldTTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("export: parse embedded font: %w", err)
		}
		fs.faces[i] = f
		fs.adv[i] = make(map[rune]float64)
	}
	return fs, nil
}

func weight(bold bool) int {
	if bold {
		return 1
	}
	return 0
}

// advance returns a rune's advance width in em: the same table every
// renderer uses to place glyphs, so measured and drawn text agree.
func (fs *fontSet) advance(r rune, bold bool) float64 {
	w := weight(bold)
	if a, ok := fs.adv[w][r]; ok {
		return a
	}
	f := fs.faces[w]
	upem := f.UnitsPerEm()
	var a float64
	if gi, err := f.GlyphIndex(&fs.buf, r); err == nil {
		if adv, err := f.GlyphAdvance(&fs.buf, gi, fixed.Int26_6(upem)<<6, font.HintingNone); err == nil {
			a = float64(adv) / 64 / float64(upem)
		}
	}
	fs.adv[w][r] = a
	return a
}

// width returns the width of s set in st, in card units.
func (fs *fontSet) width(s string, st style) float64 {
	var em float64
	for _, r := range s {
		em += fs.advance(r, st.bold)
	}
	return em * st.size
}

// clean makes outside text safe to draw and to write into XML: invalid
// UTF-8 and characters XML forbids become U+FFFD, tabs and other controls
// become spaces, and bidirectional controls are dropped so that no value can
// reorder the text around it. Line breaks stay.
func clean(s string) string {
	if !strings.ContainsFunc(s, needsCleaning) && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\r\n", "\n"), "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case unicode.Is(unicode.Bidi_Control, r):
			return -1
		case unicode.IsControl(r):
			return ' '
		case r == 0xFFFE || r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

func needsCleaning(r rune) bool {
	return (r != '\n' && unicode.IsControl(r)) || unicode.Is(unicode.Bidi_Control, r) || r == 0xFFFE || r == 0xFFFF
}
