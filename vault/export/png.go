package export

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"github.com/digitalid/digitalid"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// MaxPNGScale is the largest PNG scale: 2400 pixels across, enough to
// print, small enough that one export cannot exhaust memory.
const MaxPNGScale = 4

// PNG writes the card as a PNG image scale pixels per card unit wide (600 ×
// scale pixels; 2 suits a screen), as tall as its fields need. QR modules
// are whole pixels, so the code scans at any scale. A scale outside 1 to
// MaxPNGScale is EINVALID.
func PNG(w io.Writer, c Card, scale int) error {
	if scale < 1 || scale > MaxPNGScale {
		return digitalid.Errorf(digitalid.EINVALID, "PNG scale %d is outside 1 to %d", scale, MaxPNGScale)
	}
	fs, pages, err := render(c, false)
	if err != nil {
		return err
	}
	s := float64(scale)
	p := pages[0]
	img := image.NewRGBA(image.Rect(0, 0, int(cardW)*scale, int(p.h)*scale))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	r := &rasterizer{img: img, fs: fs, scale: s, faces: make(map[style]font.Face)}
	for _, o := range p.ops {
		if err := r.draw(o); err != nil {
			return err
		}
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(w, img); err != nil {
		return fmt.Errorf("export: write PNG: %w", err)
	}
	return nil
}

// rasterizer draws ops onto an image; faces caches one face per text style.
type rasterizer struct {
	img   *image.RGBA
	fs    *fontSet
	scale float64
	faces map[style]font.Face
}

func toColor(c rgb) color.RGBA {
	r, g, b := c.rgb()
	return color.RGBA{r, g, b, 0xFF}
}

// px rounds a card coordinate to the nearest pixel.
func (r *rasterizer) px(v float64) int { return int(math.Round(v * r.scale)) }

// rect fills a rectangle snapped to pixels, at least one pixel each way so
// that hairlines stay visible at scale 1.
func (r *rasterizer) rect(x, y, w, h float64, c rgb) {
	x0, y0 := r.px(x), r.px(y)
	x1, y1 := max(r.px(x+w), x0+1), max(r.px(y+h), y0+1)
	draw.Draw(r.img, image.Rect(x0, y0, x1, y1), image.NewUniform(toColor(c)), image.Point{}, draw.Src)
}

func (r *rasterizer) draw(o op) error {
	switch o.kind {
	case opFill:
		r.rect(o.x, o.y, o.w, o.h, o.color)
	case opStroke:
		t := max(o.line, 1/r.scale)
		r.rect(o.x, o.y, o.w, t, o.color)
		r.rect(o.x, o.y+o.h-t, o.w, t, o.color)
		r.rect(o.x, o.y, t, o.h, o.color)
		r.rect(o.x+o.w-t, o.y, t, o.h, o.color)
	case opText:
		return r.text(o)
	case opQR:
		r.qr(o)
	}
	return nil
}

// qr draws each module as a square of whole pixels, centred in the box.
func (r *rasterizer) qr(o op) {
	n := len(o.qr)
	box := r.px(o.w)
	m := max(box/n, 1)
	x0 := r.px(o.x) + (box-m*n)/2
	y0 := r.px(o.y) + (box-m*n)/2
	black := image.NewUniform(toColor(colQR))
	qrRuns(o.qr, func(x, y, k int) {
		rect := image.Rect(x0+x*m, y0+y*m, x0+(x+k)*m, y0+(y+1)*m)
		draw.Draw(r.img, rect, black, image.Point{}, draw.Src)
	})
}

// text draws glyph by glyph, advancing by the layout's own widths so that
// the image matches what the layout measured.
func (r *rasterizer) text(o op) error {
	face, ok := r.faces[o.style]
	if !ok {
		var err error
		face, err = opentype.NewFace(r.fs.faces[weight(o.style.bold)], &opentype.FaceOptions{
			Size: o.style.size * r.scale, DPI: 72, Hinting: font.HintingNone,
		})
		if err != nil {
			return fmt.Errorf("export: font face: %w", err)
		}
		r.faces[o.style] = face
	}
	src := image.NewUniform(toColor(o.style.color))
	x := o.x * r.scale
	y := fixed.Int26_6(math.Round(o.y * r.scale * 64))
	for _, c := range o.text {
		dot := fixed.Point26_6{X: fixed.Int26_6(math.Round(x * 64)), Y: y}
		if dr, mask, mp, _, ok := face.Glyph(dot, c); ok {
			draw.DrawMask(r.img, dr, src, image.Point{}, mask, mp, draw.Over)
		}
		x += r.fs.advance(c, o.style.bold) * o.style.size * r.scale
	}
	return nil
}
