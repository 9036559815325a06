package export

import (
	"fmt"
	"time"
)

// The card's frame: the title band with the status badge, the
// self-declared stamp, the QR column and the footer.

// statusColor is the badge colour of the card's status.
func (l *layouter) statusColor() rgb {
	switch l.c.StatusCode {
	case StatusValid:
		return colValid
	case StatusExpired:
		return colExpired
	case StatusRevoked:
		return colStamp
	}
	return colOther
}

// newPage starts a page with the title band, the status badge and, for a
// self-declared document, the stamp; it returns where the table starts.
func (l *layouter) newPage() (*page, float64) {
	p := &page{h: pageH}
	l.pages = append(l.pages, p)
	badge := style{9.5, true, colWhite}
	badgeW := 0.0
	status := l.fs.wrap(l.c.Status, badge, 180, 1) // none for a blank status
	if len(status) > 0 {
		badgeW = l.fs.width(status[0], badge) + 18
	}
	title := style{17, true, colWhite}
	lines := l.fs.wrap(l.c.TypeLabel, title, cardW-2*margin-badgeW-16, 2)
	bandH := 56 + 21*float64(max(len(lines)-1, 0))
	p.fill(0, 0, cardW, bandH, colBand)
	for i, s := range lines {
		l.text(p, margin, 38+21*float64(i), s, title)
	}
	if len(status) > 0 {
		x := cardW - margin - badgeW
		p.fill(x, 22, badgeW, 20, l.statusColor())
		l.text(p, x+9, 35.5, status[0], badge)
	}
	y := bandH + 16
	if l.c.SelfDeclared {
		st := style{10, true, colStamp}
		stamp := l.fs.wrap(l.c.Labels.SelfDeclared, st, cardW-2*margin-24, 2)
		h := 15 + 13*float64(len(stamp))
		p.fill(margin, y, cardW-2*margin, h, colStampBG)
		p.stroke(margin, y, cardW-2*margin, h, 1.2, colStamp)
		for i, s := range stamp {
			l.text(p, margin+12, y+18.5+13*float64(i), s, st)
		}
		y += h + 12
	}
	return p, y
}

// qrColumn draws the QR code, its caption and (room permitting) the
// document's source and dates at the right of the first page, and returns
// the column's bottom.
func (l *layouter) qrColumn(p *page, top float64) float64 {
	if l.qr == nil {
		return top
	}
	x := cardW - margin - qrBox
	p.stroke(x, top, qrBox, qrBox, 0.8, colRule)
	p.ops = append(p.ops, op{kind: opQR, x: x, y: top, w: qrBox, h: qrBox, qr: l.qr})
	st := style{8, false, colMuted}
	y := top + qrBox + 4
	for _, s := range l.fs.wrap(l.c.Labels.Verify, st, qrBox, 3) {
		y += 10
		l.text(p, x+(qrBox-l.fs.width(s, st))/2, y, s, st)
	}
	// The source and dates go under the code when they fit above the
	// footer, else into the table.
	block := &page{}
	bottom := l.metaBlock(block, x, y+6)
	if l.paged && bottom > pageH-footerH-4 {
		return y + 4
	}
	p.ops = append(p.ops, block.ops...)
	l.metaInColumn = true
	return bottom
}

// metaBlock draws the source and dates in the QR column from y and returns
// the block's bottom.
func (l *layouter) metaBlock(p *page, x, y float64) float64 {
	label, value := style{7.5, false, colLabel}, style{9, false, colValue}
	for _, m := range l.meta() {
		y += 16
		for _, s := range l.fs.wrap(m.label, label, qrBox, 2) {
			l.text(p, x, y, s, label)
			y += 10
		}
		for i, s := range l.fs.wrap(m.value, value, qrBox, 4) {
			if i > 0 {
				y += 11.5
			}
			l.text(p, x, y+2, s, value)
		}
		y += 2
	}
	return y + 4
}

// meta lists the document's source and dates, where it has them.
func (l *layouter) meta() []item {
	var out []item
	for _, it := range []item{
		{label: l.c.Labels.Source, value: l.c.Issuer},
		{label: l.c.Labels.Added, value: day(l.c.IssuedAt)},
		{label: l.c.Labels.Updated, value: day(l.c.UpdatedAt)},
	} {
		if it.value != "" {
			out = append(out, it)
		}
	}
	return out
}

// footer writes the export time, the document id and, on a PDF of several
// pages, the page number.
func (l *layouter) footer(p *page, i int) {
	st := style{7.5, false, colMuted}
	p.fill(margin, p.h-footerH+6, cardW-2*margin, 0.6, colRule)
	num := ""
	if len(l.pages) > 1 {
		num = fmt.Sprintf("%d / %d", i+1, len(l.pages))
		l.text(p, cardW-margin-l.fs.width(num, st), p.h-11, num, st)
	}
	var text string
	if !l.c.GeneratedAt.IsZero() {
		text = l.c.Labels.Generated + ": " + l.c.GeneratedAt.UTC().Format("02.01.2006 15:04") + " UTC"
	}
	if l.c.DocumentID != "" {
		if text != "" {
			text += " · "
		}
		text += l.c.Labels.DocumentID + ": " + l.c.DocumentID
	}
	for _, s := range l.fs.wrap(text, st, cardW-2*margin-l.fs.width(num, st)-16, 1) {
		l.text(p, margin, p.h-11, s, st)
	}
}

// day writes a moment's date (in UTC) as DD.MM.YYYY; zero is "".
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("02.01.2006")
}
