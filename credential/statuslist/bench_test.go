package statuslist

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// millionEntries is a 1,000,000-entry list with 1% of its entries not
// VALID at random indices: a year of single-use credentials for a city.
func millionEntries(b *testing.B, bits int) *List {
	b.Helper()
	l, err := New(bits, 1_000_000)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 10_000 {
		if err := l.Set(r.IntN(1_000_000), Invalid); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

// BenchmarkEncode1M compresses a 1,000,000-entry list, the work of
// republishing it after a revocation.
func BenchmarkEncode1M(b *testing.B) {
	for _, bits := range []int{1, 2, 8} {
		b.Run(fmt.Sprintf("bits=%d", bits), func(b *testing.B) {
			l := millionEntries(b, bits)
			b.SetBytes(int64(len(l.data)))
			b.ReportAllocs()
			var lst string
			for b.Loop() {
				var err error
				if lst, err = l.Encode(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(lst)), "lst-bytes")
		})
	}
}

// BenchmarkDecode1M is the Verifier's side of the same list.
func BenchmarkDecode1M(b *testing.B) {
	for _, bits := range []int{1, 8} {
		b.Run(fmt.Sprintf("bits=%d", bits), func(b *testing.B) {
			l := millionEntries(b, bits)
			lst, err := l.Encode()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(l.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(bits, lst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
