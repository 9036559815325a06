package export

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// svgElements are the only elements a card may contain: no script, link,
// image, foreignObject or use that could run or fetch anything.
var svgElements = map[string]bool{"svg": true, "title": true, "rect": true, "text": true, "path": true}

// parseSVG parses an SVG strictly and returns its texts in order; it fails
// on any element or attribute that could run code or reach outside.
func parseSVG(t testing.TB, data []byte) []string {
	t.Helper()
	if bytes.Contains(bytes.ToLower(data), []byte("<script")) {
		t.Fatalf("SVG contains <script")
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	var texts []string
	var stack []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("xml.Decoder.Token() = %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if !svgElements[el.Name.Local] {
				t.Fatalf("SVG has a <%s> element", el.Name.Local)
			}
			if len(stack) == 0 && (el.Name.Local != "svg" || el.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("SVG root is %v, want svg in the SVG namespace", el.Name)
			}
			for _, a := range el.Attr {
				n := strings.ToLower(a.Name.Local)
				if n == "href" || strings.HasPrefix(n, "on") || strings.Contains(a.Value, "url(") || strings.Contains(a.Value, "://") && n != "xmlns" {
					t.Fatalf("SVG <%s> has attribute %s=%q", el.Name.Local, a.Name.Local, a.Value)
				}
			}
			stack = append(stack, el.Name.Local)
			if el.Name.Local == "text" {
				texts = append(texts, "")
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "text" {
				texts[len(texts)-1] += string(el)
			}
		}
	}
	return texts
}

func renderSVG(t *testing.T, c Card) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := SVG(&b, c); err != nil {
		t.Fatalf("SVG(%v) = %v", c, err)
	}
	return b.Bytes()
}

func TestSVG(t *testing.T) {
	reg := newRegistry(t)
	for _, s := range samples(t, reg) {
		c := sampleCard(t, reg, s)
		data := renderSVG(t, c)
		text := strings.Join(parseSVG(t, data), " ")
		for _, w := range append(s.want, c.Labels.Verify, "22.11.2026 12:30 UTC") {
			if !strings.Contains(text, w) {
				t.Errorf("SVG(%s) text lacks %q:\n%s", s.name, w, text)
			}
		}
		if !bytes.Contains(data, []byte("<path ")) {
			t.Errorf("SVG(%s) has no QR path", s.name)
		}
	}
}

func TestSVGEscapes(t *testing.T) {
	reg := newRegistry(t)
	c, values := hostileCard(t, reg)
	c.TypeLabel = `Title "quoted" & <b>bold</b>`
	data := renderSVG(t, c)
	text := strings.Join(parseSVG(t, data), " ")
	for _, v := range append(values, c.Labels.SelfDeclared, c.TypeLabel) {
		if !strings.Contains(text, v) {
			t.Errorf("SVG(hostile) text lacks %q:\n%s", v, text)
		}
	}
	for _, raw := range []string{`<svg onload`, `<a href`, `<b>`, `"quoted"`} {
		if bytes.Contains(data, []byte(raw)) {
			t.Errorf("SVG(hostile) contains unescaped %q", raw)
		}
	}
	if !bytes.Contains(data, []byte("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;Ромашка&#39;")) {
		t.Errorf("SVG(hostile) does not escape the title value as expected")
	}
}

func TestSVGGrows(t *testing.T) {
	reg := newRegistry(t)
	height := func(data []byte) string {
		var root struct {
			Height string `xml:"height,attr"`
		}
		if err := xml.Unmarshal(data, &root); err != nil {
			t.Fatal(err)
		}
		return root.Height
	}
	if h := height(renderSVG(t, sampleCard(t, reg, samples(t, reg)[2]))); h != "423" {
		t.Errorf("SVG(student card) height = %s, want 423", h)
	}
	if h, err := strconv.ParseFloat(height(renderSVG(t, largeFamily(t, reg))), 64); err != nil || h < 800 {
		t.Errorf("SVG(30 children) height = %v, %v; want the image to grow past 800", h, err)
	}
}
