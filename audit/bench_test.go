package audit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

var benchDBs = []struct {
	name string
	open func(testing.TB) *store.DB
}{{"sqlite", testdb.SQLite}, {"postgres", testdb.Postgres}}

// BenchmarkAppend measures one Append at a time (a transaction each, locking
// the chain head), spread over 100 citizen chains.
func BenchmarkAppend(b *testing.B) {
	for _, d := range benchDBs {
		b.Run(d.name, func(b *testing.B) {
			l := newLog(b, d.open(b))
			i := 0
			for b.Loop() {
				mustAppend(b, l, read(fmt.Sprintf("c_%d", i%100)))
				i++
			}
		})
	}
}

// BenchmarkAppendParallel measures Appends from GOMAXPROCS×4 goroutines, each
// on its own chain, as a busy server would issue them.
func BenchmarkAppendParallel(b *testing.B) {
	for _, d := range benchDBs {
		b.Run(d.name, func(b *testing.B) {
			l := newLog(b, d.open(b))
			var g atomic.Int64
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				chain := fmt.Sprintf("c_%d", g.Add(1))
				for pb.Next() {
					mustAppend(b, l, read(chain))
				}
			})
		})
	}
}

// BenchmarkVerify measures a full Verify of 10,000 events in 100 chains
// (plus their 100 chain.opened events) and reports events per second.
func BenchmarkVerify(b *testing.B) {
	const chains, perChain = 100, 100
	for _, d := range benchDBs {
		b.Run(d.name, func(b *testing.B) {
			l := newLog(b, d.open(b))
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					for c := w; c < chains; c += 4 {
						for range perChain {
							mustAppend(b, l, read(fmt.Sprintf("c_%d", c)))
						}
					}
				})
			}
			wg.Wait()
			var res audit.VerifyResult
			for b.Loop() {
				var err error
				res, err = l.Verify(context.Background(), nil)
				if err != nil || !res.OK() {
					b.Fatalf("Verify = %v, %v", res, err)
				}
			}
			b.ReportMetric(float64(res.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
