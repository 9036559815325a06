package export

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzCard feeds arbitrary citizen text — every value on a card is typed by
// someone — through the layout and the SVG renderer: nothing may leave the
// card, wrapping must keep every character it does not cut, and the SVG
// must stay well-formed with no element or attribute that could run code.
func FuzzCard(f *testing.F) {
	f.Add("Фамилия", "Нұрғалиева Шаһизада", "https://id.example.ru/verify/1")
	f.Add(`<script>alert("x")</script>`, `"]]><svg onload=alert(1)> &amp; <a href="x">`, "")
	f.Add("a\x00b\x1b", "\xff\xfe\u202e\u2066\uFFFE\r\n\n\t", "javascript:alert(1)")
	f.Add(strings.Repeat("Ө", 300), strings.Repeat("Қарағанды ", 600), strings.Repeat("x", 300))
	fs := newFonts(f)
	f.Fuzz(func(t *testing.T, label, value, url string) {
		c := Card{
			Lang: "kk", TypeLabel: value, Issuer: value, Status: label, StatusCode: label,
			Fields:     []Line{{label, value}, {"", value}, {value, label}},
			DocumentID: label, VerifyURL: url, SelfDeclared: len(value)%2 == 0,
			GeneratedAt: time.Unix(1e9, 0),
			Labels:      Labels{Source: label, SelfDeclared: value, Verify: label, Generated: value},
		}
		for _, paged := range []bool{true, false} {
			pages, err := layout(c, fs, paged)
			if err != nil {
				if len(url) > 100 { // too long for a QR code
					return
				}
				t.Fatalf("layout(%q, %q, %q) = %v", label, value, url, err)
			}
			checkInside(t, "fuzz", pages, paged)
		}
		var b bytes.Buffer
		if err := SVG(&b, c); err != nil {
			t.Fatalf("SVG = %v", err)
		}
		parseSVG(t, b.Bytes())
		for _, l := range fs.wrap(value, style{10, false, 0}, 100, 1000) {
			if l != clean(l) {
				t.Fatalf("wrap(%q) kept unclean text %q", value, l)
			}
		}
	})
}
