package export

import (
	"io"
	"testing"
)

// benchmark renders the Russian driving licence card b.N times and reports
// cards per second.
func benchmark(b *testing.B, render func(io.Writer, Card) error) {
	reg := newRegistry(b)
	c := sampleCard(b, reg, samples(b, reg)[1])
	b.ReportAllocs()
	for b.Loop() {
		if err := render(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
}

func BenchmarkPDF(b *testing.B) { benchmark(b, PDF) }

func BenchmarkPNG(b *testing.B) {
	benchmark(b, func(w io.Writer, c Card) error { return PNG(w, c, 2) })
}

func BenchmarkSVG(b *testing.B) { benchmark(b, SVG) }

func BenchmarkJSON(b *testing.B) {
	reg := newRegistry(b)
	s := samples(b, reg)[1]
	b.ReportAllocs()
	for b.Loop() {
		if err := JSON(io.Discard, NewJSONExport(s.doc, s.meta)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
}

func BenchmarkParseFonts(b *testing.B) {
	for b.Loop() {
		if _, err := parseFonts(); err != nil {
			b.Fatal(err)
		}
	}
}
