package presentweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/store"
)

// BenchmarkOnlineVerifyHTTP measures online verifications over HTTP on a
// loopback server: 8 clients redeem distinct fresh codes (minted before the
// timer starts) through POST /api/v1/verifier/verify, each a full check
// (redeem, account, device, session, attestations, eligibility, a portrait
// link stored, audit append). Reports verifications/s and p50/p99 latency. Bound
// it with -benchtime=Nx.
func BenchmarkOnlineVerifyHTTP(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchVerifyHTTP(b, testdb.SQLite(b), nil) })
	b.Run("postgres", func(b *testing.B) { benchVerifyHTTP(b, testdb.Postgres(b), nil) })
}

// benchVerifyHTTP runs the benchmark; with a photo, the citizen's passport
// carries it and every answer returns it.
func benchVerifyHTTP(b *testing.B, db *store.DB, photo []byte) {
	e := newEnv(b, db, "")
	ts := httptest.NewServer(e.srv.Handler())
	defer ts.Close()
	c := e.Adult(b, birth)
	if photo != nil {
		e.pushPortrait(b, c.Citizen.ID, birth, photo)
	}
	_, cred := e.Verifier(b, "Bench", present.AgeOver18)
	payloads := make([]string, b.N)
	for i := range payloads {
		p, err := e.Present.Mint(context.Background(), c.Session, present.AgeOver18)
		if err != nil {
			b.Fatal(err)
		}
		payloads[i] = p.Payload
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	const workers = 8
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				body, _ := json.Marshal(map[string]string{"payload": payloads[i]})
				req, _ := http.NewRequest("POST", ts.URL+"/api/v1/verifier/verify", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+cred)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				var out struct{ Result string }
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if err != nil || out.Result != "valid" {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d verifications were not valid", n, b.N)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "verifications/s")
	b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

// BenchmarkMintHTTP measures POST /api/v1/id/presentations (a code and
// its SVG) over HTTP on SQLite, one client.
func BenchmarkMintHTTP(b *testing.B) {
	e := newEnv(b, testdb.SQLite(b), "")
	ts := httptest.NewServer(e.srv.Handler())
	defer ts.Close()
	c := e.Adult(b, birth)
	body := []byte(`{"purpose":"age_over_18"}`)
	for b.Loop() {
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/id/presentations", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.SessionToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			b.Fatalf("mint: %v %v", resp, err)
		}
		resp.Body.Close()
	}
}
