package oidcweb_test

import (
	"slices"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// Benchmarks of the relying-party endpoints through the real server on
// loopback, on SQLite and PostgreSQL. Each reports operations per second
// and the 99th percentile latency. The client side (an ES256 client
// assertion per token request) is included, as a real client pays it.
//
//	go test -run XXX -bench . -benchtime 300x ./web/oidcweb/

func benchDBs(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, testdb.Postgres(b)) })
}

// timed runs op b.N times and reports ops/s and p99.
func timed(b *testing.B, op func(i int)) {
	b.Helper()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		op(i)
		lat = append(lat, time.Since(t0))
	}
	total := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/total.Seconds(), "ops/s")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkTokenCodeExchange(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		e := newEnv(b, db)
		r := e.newRP("Bank", scopes(), nil)
		c := e.citizen(1)
		type pending struct{ code, verifier string }
		ps := make([]pending, b.N)
		for i := range ps {
			v, ch := pkce()
			ps[i] = pending{e.codeFor(r.authParams(ch, scopes()...), c), v}
		}
		timed(b, func(i int) {
			if st, body := r.exchange(ps[i].code, ps[i].verifier); st != 200 {
				b.Fatalf("exchange = %d %v", st, body)
			}
		})
	})
}

func BenchmarkTokenRefresh(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		e := newEnv(b, db)
		r := e.newRP("Bank", scopes(), nil)
		c := e.citizen(1)
		rt := str(e.tokens(r, c, scopes()...), "refresh_token")
		timed(b, func(int) {
			st, body := r.refresh(rt)
			if st != 200 {
				b.Fatalf("refresh = %d %v", st, body)
			}
			rt = str(body, "refresh_token")
		})
	})
}

func BenchmarkDocumentRead(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		e := newEnv(b, db)
		r := e.newRP("Bank", scopes(), nil)
		c := e.citizen(1)
		at := str(e.tokens(r, c, scopes()...), "access_token")
		timed(b, func(int) {
			if st, body := e.getJSON("/api/v1/rp/documents", at); st != 200 || len(body["documents"].([]any)) != 1 {
				b.Fatalf("documents = %d %v", st, body)
			}
		})
	})
}
