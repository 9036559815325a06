package export

import (
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"
)

// pdfFamily names the embedded font inside the PDF.
const pdfFamily = "dejavu"

// PDF writes the card as a PDF of A5 landscape pages: the first with the
// title, status, fields and QR code, more when the fields do not fit, each
// with the footer. The embedded fonts are subset into the file, so it prints
// the same everywhere; text stays selectable and searchable.
func PDF(w io.Writer, c Card) error {
	_, pages, err := render(c, true)
	if err != nil {
		return err
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "L", UnitStr: "pt", SizeStr: "A5"})
	pageW, _ := pdf.GetPageSize()
	k := pageW / cardW
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddUTF8FontFromBytes(pdfFamily, "", regularTTF)
	pdf.AddUTF8FontFromBytes(pdfFamily, "B", boldTTF)
	pdf.SetTitle(clean(c.TypeLabel), true)
	pdf.SetCreator("digitalid", true)
	pdf.SetLang(c.Lang)
	if !c.GeneratedAt.IsZero() {
		pdf.SetCreationDate(c.GeneratedAt.UTC())
		pdf.SetModificationDate(c.GeneratedAt.UTC())
	}
	for _, p := range pages {
		pdf.AddPage()
		for _, o := range p.ops {
			drawPDF(pdf, o, k)
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("export: write PDF: %w", err)
	}
	return nil
}

func drawPDF(pdf *fpdf.Fpdf, o op, k float64) {
	r, g, b := o.color.rgb()
	switch o.kind {
	case opFill:
		pdf.SetFillColor(int(r), int(g), int(b))
		pdf.Rect(o.x*k, o.y*k, o.w*k, o.h*k, "F")
	case opStroke:
		pdf.SetDrawColor(int(r), int(g), int(b))
		pdf.SetLineWidth(o.line * k)
		pdf.Rect(o.x*k, o.y*k, o.w*k, o.h*k, "D")
	case opText:
		r, g, b := o.style.color.rgb()
		pdf.SetTextColor(int(r), int(g), int(b))
		weight := ""
		if o.style.bold {
			weight = "B"
		}
		pdf.SetFont(pdfFamily, weight, o.style.size*k)
		pdf.Text(o.x*k, o.y*k, o.text)
	case opQR:
		r, g, b := colQR.rgb()
		pdf.SetFillColor(int(r), int(g), int(b))
		m := o.w / float64(len(o.qr)) * k
		// Runs overlap the next row by a hair so that viewers do not show
		// seams between rows.
		qrRuns(o.qr, func(x, y, n int) {
			pdf.Rect(o.x*k+float64(x)*m, o.y*k+float64(y)*m, float64(n)*m, m*1.04, "F")
		})
	}
}
