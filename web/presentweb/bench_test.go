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
	v := newVerifyBench(b, db, photo)
	loadHTTP(b, 8, "verifications", "verifications were not valid", func(i int) (time.Duration, bool) {
		body, _ := json.Marshal(map[string]string{"payload": v.payloads[i]})
		req := v.request("POST", "/api/v1/verifier/verify", body)
		t0 := time.Now()
		resp, err := v.client.Do(req)
		if err != nil {
			return 0, false
		}
		var out struct{ Result string }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		return time.Since(t0), err == nil && out.Result == "valid"
	})
}

// verifyBench is what the HTTP verification benchmarks share: a loopback
// server, a verifier's credential and b.N distinct fresh codes of an adult,
// minted before the timer starts.
type verifyBench struct {
	url, cred string
	payloads  []string
	client    *http.Client
}

// newVerifyBench sets up a verifyBench; with a photo, the citizen's
// passport carries it.
func newVerifyBench(b *testing.B, db *store.DB, photo []byte) verifyBench {
	e := newEnv(b, db, "")
	ts := httptest.NewServer(e.srv.Handler())
	b.Cleanup(ts.Close)
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
	return verifyBench{url: ts.URL, cred: cred, payloads: payloads,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
}

// request is a JSON request to path on the server with the verifier's
// credential.
func (v verifyBench) request(method, path string, body []byte) *http.Request {
	req, _ := http.NewRequest(method, v.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+v.cred)
	return req
}

// loadHTTP makes b.N calls from workers clients at once: one(i) makes call
// i and says how long it took and whether it succeeded. It fails the
// benchmark if any call failed ("%d of %d " + failed) and reports unit/s
// and the p50/p99 latency.
func loadHTTP(b *testing.B, workers int, unit, failed string, one func(i int) (time.Duration, bool)) {
	lat := make([]time.Duration, b.N)
	var next, failures atomic.Int64
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
				d, ok := one(i)
				lat[i] = d
				if !ok {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d %s", n, b.N, failed)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit+"/s")
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
