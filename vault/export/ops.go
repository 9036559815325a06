package export

// rgb is a colour as 0xRRGGBB.
type rgb uint32

func (c rgb) rgb() (r, g, b uint8) { return uint8(c >> 16), uint8(c >> 8), uint8(c) }

// The card's palette.
const (
	colWhite   rgb = 0xFFFFFF
	colBand    rgb = 0x1E3A5F // title band
	colLabel   rgb = 0x5B6675
	colValue   rgb = 0x111827
	colRule    rgb = 0xE2E8F0 // row separators, QR frame
	colMuted   rgb = 0x718096 // footer, QR caption
	colStamp   rgb = 0xC53030 // self-declared stamp, revoked
	colStampBG rgb = 0xFFF5F5
	colValid   rgb = 0x1E7F4F
	colExpired rgb = 0xB7791F
	colOther   rgb = 0x4A5568
	colQR      rgb = 0x000000
)

// style is how a run of text is set: size in card units, weight, colour.
type style struct {
	size  float64
	bold  bool
	color rgb
}

type opKind int

const (
	opFill   opKind = iota // a filled rectangle x, y, w, h
	opStroke               // a rectangle outline of width line
	opText                 // text with its baseline at x, y; w is its measured width
	opQR                   // a QR code filling the square x, y, w (quiet zone included)
)

// op is one drawing operation of the shared layout; each renderer turns the
// ops into its own format.
type op struct {
	kind       opKind
	x, y, w, h float64
	color      rgb
	line       float64
	text       string
	style      style
	qr         [][]bool
}

// page is one PDF page, or the whole image.
type page struct {
	h   float64 // pageH, or for an image the height its content needs
	ops []op
}

func (p *page) fill(x, y, w, h float64, c rgb) {
	p.ops = append(p.ops, op{kind: opFill, x: x, y: y, w: w, h: h, color: c})
}

func (p *page) stroke(x, y, w, h, line float64, c rgb) {
	p.ops = append(p.ops, op{kind: opStroke, x: x, y: y, w: w, h: h, line: line, color: c})
}
