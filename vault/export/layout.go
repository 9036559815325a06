package export

import "math"

// Card geometry, in card units. A card is 600 units wide; a PDF page is A5
// landscape with 600 units across its width, and a PNG has scale pixels per
// unit.
const (
	cardW         = 600.0
	pageH         = cardW * 148 / 210 // A5 landscape
	minImageH     = 423.0             // an image is never shorter than the PDF page
	maxImageH     = 3000.0            // rows past this end the image with an ellipsis row
	margin        = 24.0
	qrBox         = 136.0 // the QR code with its quiet zone
	colGap        = 20.0  // between the table and the QR column
	labelW        = 130.0 // the label column of the table
	cellGap       = 12.0  // between label and value
	footerH       = 30.0
	maxValueLines = 15 // longer values end with an ellipsis; keeps any row within a page
	labelLeading  = 11.0
	valueLeading  = 13.5
	rowH          = 22.0 // a one-line row
	rowBaseline   = 14.0 // from a row's top to its first baseline
)

// layouter places a card's content on pages. paged (PDF) flows rows onto
// new pages of pageH; otherwise the single page grows.
type layouter struct {
	c        Card
	fs       *fontSet
	paged    bool
	qr       [][]bool
	qrBottom float64 // where the QR column ends on the first page; rows below it span the card
	// metaInColumn is set when the source and dates sit under the QR code
	// rather than in the table.
	metaInColumn bool
	pages        []*page
}

// item is a row before wrapping: its width depends on where it lands.
type item struct {
	label, value string
	gap          float64
}

// render parses the fonts and lays out a card: the first step of every
// renderer, which keeps the fonts to draw with.
func render(c Card, paged bool) (*fontSet, []*page, error) {
	fs, err := parseFonts()
	if err != nil {
		return nil, nil, err
	}
	pages, err := layout(c, fs, paged)
	return fs, pages, err
}

// layout returns the drawing of a card: pages of pageH when paged, else one
// page as tall as its content.
func layout(c Card, fs *fontSet, paged bool) ([]*page, error) {
	l := &layouter{c: c, fs: fs, paged: paged}
	if c.VerifyURL != "" {
		bits, err := qrModules(c.VerifyURL)
		if err != nil {
			return nil, err
		}
		l.qr = bits
	}
	p, y := l.newPage()
	top := y
	l.qrBottom = l.qrColumn(p, y)
	limit := pageH - footerH - 4
	if !paged {
		limit = maxImageH - footerH - 4
	}
	last := "" // the label a continued list repeats on its next page
	for _, it := range l.items() {
		if it.label != "" {
			last = it.label
		}
		r := l.row(it, l.tableWidth(p, y))
		if y+r.gap+r.h > limit && y > top {
			if !paged {
				y = l.drawRow(p, l.row(item{value: ellipsis}, l.tableWidth(p, y)), y)
				break
			}
			p, y = l.newPage()
			top = y
			it.gap = 0
			if it.label == "" {
				it.label = last
			}
			r = l.row(it, l.tableWidth(p, y))
		}
		y = l.drawRow(p, r, y)
	}
	if !paged {
		p.h = math.Ceil(max(minImageH, max(y, l.qrBottom)+16+footerH))
	}
	for i, pg := range l.pages {
		l.footer(pg, i)
	}
	return l.pages, nil
}

// tableWidth is the width of a row starting at y on p: narrower beside the
// QR code, the card's full width below it and on later pages.
func (l *layouter) tableWidth(p *page, y float64) float64 {
	if l.qr != nil && p == l.pages[0] && y < l.qrBottom+6 {
		return cardW - 2*margin - qrBox - colGap
	}
	return cardW - 2*margin
}

// text adds a text op, measuring its width.
func (l *layouter) text(p *page, x, y float64, s string, st style) {
	if s == "" {
		return
	}
	p.ops = append(p.ops, op{kind: opText, x: x, y: y, w: l.fs.width(s, st), text: s, style: st})
}

// items lists the rows of the table: the card's fields, then — when no QR
// column holds them — its source and dates.
func (l *layouter) items() []item {
	var items []item
	for _, f := range l.c.Fields {
		items = append(items, item{label: f.Label, value: f.Value})
	}
	if !l.metaInColumn {
		for i, m := range l.meta() {
			if i == 0 {
				m.gap = 8 // the record's rows stand apart from the document's
			}
			items = append(items, m)
		}
	}
	return items
}

// row is one line of the fields table, wrapped to its width.
type row struct {
	label, value []string
	w, h, gap    float64
}

func (l *layouter) row(it item, width float64) row {
	r := row{
		label: l.fs.wrap(it.label, style{8.5, false, colLabel}, labelW, 3),
		value: l.fs.wrap(it.value, style{10.5, false, colValue}, width-labelW-cellGap, maxValueLines),
		w:     width,
		gap:   it.gap,
	}
	lines := max(labelLeading*float64(len(r.label)-1), valueLeading*float64(len(r.value)-1), 0)
	r.h = rowH + lines
	return r
}

// drawRow draws a row whose top (before its gap) is y and returns its bottom.
func (l *layouter) drawRow(p *page, r row, y float64) float64 {
	y += r.gap
	for i, s := range r.label {
		l.text(p, margin, y+rowBaseline+labelLeading*float64(i), s, style{8.5, false, colLabel})
	}
	for i, s := range r.value {
		l.text(p, margin+labelW+cellGap, y+rowBaseline+valueLeading*float64(i), s, style{10.5, false, colValue})
	}
	p.fill(margin, y+r.h-0.6, r.w, 0.6, colRule)
	return y + r.h
}
