package export

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// qrModules encodes the verify URL as a QR code at the medium (15%) error
// correction level: enough to survive a printed card's wear while keeping
// modules large. The matrix includes the 4-module quiet zone; true is dark.
func qrModules(url string) ([][]bool, error) {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("export: encode verify URL as QR code: %w", err)
	}
	return q.Bitmap(), nil
}

// qrRuns calls fn for every horizontal run of dark modules — row y, first
// column x, n modules — so renderers draw one rectangle per run rather than
// one per module.
func qrRuns(bits [][]bool, fn func(x, y, n int)) {
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fn(start, y, x-start)
		}
	}
}
