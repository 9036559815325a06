package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/testenv"
)

// pdfText extracts a PDF's text with pdftotext (Debian poppler-utils), so
// the test reads what a viewer or a screen reader would.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		testenv.Unavailable(t, "pdftotext (poppler-utils) is not installed")
	}
	path := filepath.Join(t.TempDir(), "card.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// flat collapses whitespace, so that text wrapped across lines still matches.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func renderPDF(t *testing.T, c Card) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := PDF(&b, c); err != nil {
		t.Fatalf("PDF(%v) = %v", c, err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatalf("PDF(%v) starts %q, want %%PDF-", c, b.Bytes()[:min(b.Len(), 8)])
	}
	return b.Bytes()
}

var pdfPage = regexp.MustCompile(`/Type /Page\b[^s]`)

func TestPDF(t *testing.T) {
	reg := newRegistry(t)
	for _, s := range samples(t, reg) {
		t.Run(s.name, func(t *testing.T) {
			c := sampleCard(t, reg, s)
			data := renderPDF(t, c)
			if n := len(pdfPage.FindAll(data, -1)); n != 1 {
				t.Errorf("PDF(%s) has %d pages, want 1", s.name, n)
			}
			text := flat(pdfText(t, data))
			for _, w := range append(s.want, c.Labels.Source, "22.11.2026 12:30 UTC") {
				if !strings.Contains(text, w) {
					t.Errorf("PDF(%s) text lacks %q:\n%s", s.name, w, text)
				}
			}
			if s.lang == "kk" {
				for _, r := range kazakhLetters {
					if !strings.ContainsRune(text, r) {
						t.Errorf("PDF(%s) text lacks the letter %q", s.name, r)
					}
				}
			}
		})
	}
}

func TestPDFPages(t *testing.T) {
	reg := newRegistry(t)
	data := renderPDF(t, largeFamily(t, reg))
	if n := len(pdfPage.FindAll(data, -1)); n < 2 {
		t.Errorf("PDF(30 children) has %d pages, want several", n)
	}
	text := flat(pdfText(t, data))
	for _, w := range []string{"1. Қасымова Әйгерім Нұрланқызы — 01.01.2000", "30. Қасымова Әйгерім Нұрланқызы — 02.06.2009", "Департамент труда"} {
		if !strings.Contains(text, w) {
			t.Errorf("PDF(30 children) text lacks %q", w)
		}
	}
}

func TestPDFHostileAndSelfDeclared(t *testing.T) {
	reg := newRegistry(t)
	c, values := hostileCard(t, reg)
	text := flat(pdfText(t, renderPDF(t, c)))
	for _, w := range append(values, c.Labels.SelfDeclared) {
		if !strings.Contains(text, flat(w)) {
			t.Errorf("PDF(hostile) text lacks %q:\n%s", w, text)
		}
	}
}
