package present

import (
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// QRLevel is the error correction of the codes we draw: level H (30%)
// survives glare on a phone screen and the photo around the code, and an
// online handle still fits version 3.
const QRLevel = qrcode.High

// QR is a drawn QR code of a payload.
type QR struct {
	Version int // 1..40; an online handle is 3
	Modules int // modules per side, without the quiet zone
	code    *qrcode.QRCode
}

// NewQR encodes payload (the encoder picks the alphanumeric mode for an
// online handle).
func NewQR(payload string) (*QR, error) {
	q, err := qrcode.New(payload, QRLevel)
	if err != nil {
		return nil, fmt.Errorf("present: QR: %w", err)
	}
	q.DisableBorder = false
	bm := q.Bitmap()
	return &QR{Version: q.VersionNumber, Modules: len(bm) - 8, code: q}, nil
}

// SVG draws the code as SVG: one path of whole modules over a white
// square with a 4-module quiet zone, black on white, scaling crisply.
func (q *QR) SVG() string {
	bm := q.code.Bitmap()
	n := len(bm)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}

// PNG draws the code as a PNG with scale whole pixels per module.
func (q *QR) PNG(scale int) ([]byte, error) {
	if scale < 1 || scale > 64 {
		return nil, fmt.Errorf("present: QR scale %d out of 1..64", scale)
	}
	return q.code.PNG(-scale)
}
