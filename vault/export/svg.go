package export

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// SVG writes the card as a standalone SVG image, as tall as its fields
// need. It references nothing outside itself: text names DejaVu Sans with
// fallbacks, and every text element carries the width the layout measured
// (textLength), so a viewer using another font still keeps the text inside
// the card. Every text is XML-escaped; the image holds no script and no link.
func SVG(w io.Writer, c Card) error {
	_, pages, err := render(c, false)
	if err != nil {
		return err
	}
	p := pages[0]
	b := bufio.NewWriter(w)
	title := escape(clean(c.TypeLabel))
	fmt.Fprintf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"+
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%[1]s\" height=\"%[2]s\" viewBox=\"0 0 %[1]s %[2]s\""+
		" font-family=\"'DejaVu Sans', Verdana, sans-serif\" role=\"img\" aria-label=\"%[3]s\">\n"+
		"<title>%[3]s</title>\n<rect width=\"%[1]s\" height=\"%[2]s\" fill=\"#ffffff\"/>\n",
		num(cardW), num(p.h), title)
	for _, o := range p.ops {
		writeSVG(b, o)
	}
	b.WriteString("</svg>\n")
	if err := b.Flush(); err != nil {
		return fmt.Errorf("export: write SVG: %w", err)
	}
	return nil
}

func writeSVG(b *bufio.Writer, o op) {
	switch o.kind {
	case opFill:
		fmt.Fprintf(b, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>\n",
			num(o.x), num(o.y), num(o.w), num(o.h), hex(o.color))
	case opStroke:
		// The outline is drawn inside the box, as the other renderers do.
		t := o.line
		fmt.Fprintf(b, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
			num(o.x+t/2), num(o.y+t/2), num(o.w-t), num(o.h-t), hex(o.color), num(t))
	case opText:
		weight := ""
		if o.style.bold {
			weight = " font-weight=\"bold\""
		}
		fmt.Fprintf(b, "<text x=\"%s\" y=\"%s\" font-size=\"%s\"%s fill=\"%s\" textLength=\"%s\" lengthAdjust=\"spacingAndGlyphs\">%s</text>\n",
			num(o.x), num(o.y), num(o.style.size), weight, hex(o.style.color), num(o.w), escape(o.text))
	case opQR:
		// One path in module units, scaled into the box; crispEdges keeps
		// modules from blurring into each other.
		var d strings.Builder
		qrRuns(o.qr, func(x, y, n int) { fmt.Fprintf(&d, "M%d %dh%dv1h-%dz", x, y, n, n) })
		fmt.Fprintf(b, "<path transform=\"translate(%s %s) scale(%s)\" fill=\"%s\" shape-rendering=\"crispEdges\" d=\"%s\"/>\n",
			num(o.x), num(o.y), num(o.w/float64(len(o.qr))), hex(colQR), d.String())
	}
}

// escape writes s as XML character data, safe inside elements and
// double-quoted attributes (it escapes < > & ' " and line breaks).
func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

func hex(c rgb) string { return fmt.Sprintf("#%06x", uint32(c)) }

// num writes a coordinate with at most two decimals.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}
