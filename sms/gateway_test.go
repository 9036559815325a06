package sms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/sms"
)

const authValue = "Bearer s3cr3t-gateway-token"

// fakeGateway is an SMS gateway on loopback that answers with a script, one
// handler per request (the last one repeats), and records what it received.
type fakeGateway struct {
	*httptest.Server
	mu     sync.Mutex
	script []http.HandlerFunc
	reqs   []gotRequest
}

type gotRequest struct {
	header http.Header
	body   map[string]any
}

func newFakeGateway(t *testing.T, script ...http.HandlerFunc) *fakeGateway {
	g := &fakeGateway{script: script}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("gateway: request body is not JSON: %v", err)
		}
		g.mu.Lock()
		n := len(g.reqs)
		g.reqs = append(g.reqs, gotRequest{header: r.Header.Clone(), body: body})
		h := g.script[min(n, len(g.script)-1)]
		g.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *fakeGateway) requests() []gotRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gotRequest(nil), g.reqs...)
}

func answer(status int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		// A gateway may echo what it got; none of it may reach our logs.
		w.Write([]byte(`{"id":"gw-77","echo":"` + phoneKZ + ` 493817"}`))
	}
}

// hang answers only when the request is abandoned.
func hang(started chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if started != nil {
			started <- struct{}{}
		}
		<-r.Context().Done()
	}
}

// sleeper records the waits the gateway asks for instead of waiting.
type sleeper struct {
	mu sync.Mutex
	d  []time.Duration
	fn func() // called on each wait (to cancel a context, say)
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	if s.fn != nil {
		s.fn()
	}
	return ctx.Err()
}

type gatewayRun struct {
	err    error
	reqs   []gotRequest
	sleeps []time.Duration
	logs   string
}

// runGateway sends one OTP through a Gateway on fake and returns what happened.
func runGateway(t *testing.T, ctx context.Context, fake *fakeGateway, edit func(*sms.GatewayConfig), sl *sleeper) gatewayRun {
	t.Helper()
	var logs bytes.Buffer
	cfg := sms.GatewayConfig{
		URL: fake.URL + "/send?key=query-secret", AuthHeader: "X-API-Key", AuthValue: authValue,
		MaxAttempts: 3, BackoffBase: time.Second, MaxBackoff: 4 * time.Second, MaxRetryAfter: 20 * time.Second,
		Sleep: sl.sleep, Clock: newTestClock().Now,
	}
	if edit != nil {
		edit(&cfg)
	}
	g, err := sms.NewGateway(cfg, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("NewGateway = %v", err)
	}
	err = g.Send(ctx, sms.Message{To: phoneKZ, Body: otpBody, Purpose: "otp", ID: "msg-1"})
	r := gatewayRun{err: err, reqs: fake.requests(), sleeps: sl.d, logs: logs.String()}
	for _, secret := range []string{phoneKZ, "493817", authValue, "s3cr3t", "query-secret"} {
		if strings.Contains(r.logs, secret) || err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("logs or error hold %q:\n%s\nerror: %v", secret, r.logs, err)
		}
	}
	for _, req := range r.reqs {
		if req.body["id"] != "msg-1" || req.header.Get("Idempotency-Key") != "msg-1" {
			t.Errorf("request id = %v, Idempotency-Key = %q; want msg-1 on every attempt", req.body["id"], req.header.Get("Idempotency-Key"))
		}
	}
	return r
}

func TestGatewaySend(t *testing.T) {
	inSeconds := func(lo, hi float64) func(time.Duration) bool {
		return func(d time.Duration) bool { return d >= time.Duration(lo*1e9) && d <= time.Duration(hi*1e9) }
	}
	exactly := func(s float64) func(time.Duration) bool { return inSeconds(s, s) }
	date := newTestClock().Now().Add(12 * time.Second).Format(http.TimeFormat)
	for _, tc := range []struct {
		name     string
		script   []http.HandlerFunc
		edit     func(*sms.GatewayConfig)
		code     string // "" for success
		status   int    // StatusError wanted in the chain (0: none)
		attempts int
		sleeps   []func(time.Duration) bool
	}{
		{name: "success", script: []http.HandlerFunc{answer(200)}, attempts: 1},
		{name: "accepted", script: []http.HandlerFunc{answer(202)}, attempts: 1},
		{name: "duplicate id is success", script: []http.HandlerFunc{answer(409)}, attempts: 1},
		{name: "503 then success", script: []http.HandlerFunc{answer(503), answer(200)}, attempts: 2,
			sleeps: []func(time.Duration) bool{inSeconds(0.5, 1)}},
		{name: "429 with Retry-After seconds", script: []http.HandlerFunc{answer(429, "Retry-After", "7"), answer(200)}, attempts: 2,
			sleeps: []func(time.Duration) bool{exactly(7)}},
		{name: "429 with Retry-After date", script: []http.HandlerFunc{answer(429, "Retry-After", date), answer(200)}, attempts: 2,
			sleeps: []func(time.Duration) bool{exactly(12)}},
		{name: "Retry-After capped", script: []http.HandlerFunc{answer(503, "Retry-After", "3600"), answer(200)}, attempts: 2,
			sleeps: []func(time.Duration) bool{exactly(20)}},
		{name: "unreadable Retry-After uses backoff", script: []http.HandlerFunc{answer(429, "Retry-After", "soon"), answer(200)}, attempts: 2,
			sleeps: []func(time.Duration) bool{inSeconds(0.5, 1)}},
		{name: "permanent 400", script: []http.HandlerFunc{answer(400)}, code: digitalid.EINVALID, status: 400, attempts: 1},
		{name: "permanent 422", script: []http.HandlerFunc{answer(422)}, code: digitalid.EINVALID, status: 422, attempts: 1},
		{name: "bad credentials 401", script: []http.HandlerFunc{answer(401)}, code: digitalid.EUNAVAILABLE, status: 401, attempts: 1},
		{name: "redirect not followed", script: []http.HandlerFunc{answer(307, "Location", "http://127.0.0.1:1/elsewhere")},
			code: digitalid.EUNAVAILABLE, status: 307, attempts: 1},
		{name: "exhausted retries", script: []http.HandlerFunc{answer(500)}, code: digitalid.EUNAVAILABLE, status: 500, attempts: 3,
			sleeps: []func(time.Duration) bool{inSeconds(0.5, 1), inSeconds(1, 2)}},
		{name: "backoff capped", script: []http.HandlerFunc{answer(502)}, edit: func(c *sms.GatewayConfig) { c.MaxAttempts = 5 },
			code: digitalid.EUNAVAILABLE, status: 502, attempts: 5,
			sleeps: []func(time.Duration) bool{inSeconds(0.5, 1), inSeconds(1, 2), inSeconds(2, 4), inSeconds(2, 4)}},
		{name: "one attempt only", script: []http.HandlerFunc{answer(503)}, edit: func(c *sms.GatewayConfig) { c.MaxAttempts = 1 },
			code: digitalid.EUNAVAILABLE, status: 503, attempts: 1},
		{name: "timeout then success", script: []http.HandlerFunc{hang(nil), answer(200)},
			edit: func(c *sms.GatewayConfig) { c.Timeout = 50 * time.Millisecond }, attempts: 2,
			sleeps: []func(time.Duration) bool{inSeconds(0.5, 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeGateway(t, tc.script...)
			r := runGateway(t, context.Background(), fake, tc.edit, &sleeper{})
			if got := digitalid.ErrorCode(r.err); got != tc.code {
				t.Fatalf("Send = %v, want code %q", r.err, tc.code)
			}
			var se *sms.StatusError
			if got := errors.As(r.err, &se); got != (tc.status != 0) || got && se.StatusCode != tc.status {
				t.Errorf("Send = %v, want StatusError %d in its chain", r.err, tc.status)
			}
			if len(r.reqs) != tc.attempts {
				t.Errorf("Send made %d requests, want %d", len(r.reqs), tc.attempts)
			}
			if len(r.sleeps) != len(tc.sleeps) {
				t.Fatalf("Send waited %v, want %d waits", r.sleeps, len(tc.sleeps))
			}
			for i, ok := range tc.sleeps {
				if !ok(r.sleeps[i]) {
					t.Errorf("wait %d = %v, out of the expected range", i+1, r.sleeps[i])
				}
			}
			want := `"sms_id":"msg-1","purpose":"otp","attempt":` + itoa(tc.attempts)
			if !strings.Contains(r.logs, want) {
				t.Errorf("logs lack %s:\n%s", want, r.logs)
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestGatewayRequestShape(t *testing.T) {
	fake := newFakeGateway(t, answer(200))
	r := runGateway(t, context.Background(), fake, nil, &sleeper{})
	if r.err != nil || len(r.reqs) != 1 {
		t.Fatalf("Send = %v with %d requests, want success in one", r.err, len(r.reqs))
	}
	req := r.reqs[0]
	for h, want := range map[string]string{"X-Api-Key": authValue, "Content-Type": "application/json"} {
		if got := req.header.Get(h); got != want {
			t.Errorf("request header %s = %q, want %q", h, got, want)
		}
	}
	want := map[string]any{"to": phoneKZ, "text": otpBody, "id": "msg-1"}
	if gb, _ := json.Marshal(req.body); string(gb) != string(must(json.Marshal(want))) {
		t.Errorf("request body = %s, want exactly %v", gb, want)
	}
	if !strings.Contains(r.logs, `"status":200`) || !strings.Contains(r.logs, `"gateway_id":"gw-77"`) {
		t.Errorf("success log lacks status or gateway_id:\n%s", r.logs)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestGatewayNetworkError(t *testing.T) {
	fake := newFakeGateway(t, answer(200))
	fake.Close() // nothing listens on the port any more
	r := runGateway(t, context.Background(), fake, nil, &sleeper{})
	if digitalid.ErrorCode(r.err) != digitalid.EUNAVAILABLE || len(r.sleeps) != 2 {
		t.Errorf("Send to a closed port = %v after waits %v, want %s after 2 waits", r.err, r.sleeps, digitalid.EUNAVAILABLE)
	}
}

func TestGatewayContext(t *testing.T) {
	t.Run("cancel during request", func(t *testing.T) {
		started := make(chan struct{}, 1)
		fake := newFakeGateway(t, hang(started))
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-started; cancel() }()
		r := runGateway(t, ctx, fake, nil, &sleeper{})
		if !errors.Is(r.err, context.Canceled) || digitalid.ErrorCode(r.err) != digitalid.EUNAVAILABLE {
			t.Errorf("Send = %v, want %s matching context.Canceled", r.err, digitalid.EUNAVAILABLE)
		}
		if len(r.reqs) != 1 || len(r.sleeps) != 0 {
			t.Errorf("Send made %d requests and waited %v, want 1 request and no wait", len(r.reqs), r.sleeps)
		}
	})
	t.Run("cancel during backoff", func(t *testing.T) {
		fake := newFakeGateway(t, answer(503))
		ctx, cancel := context.WithCancel(context.Background())
		r := runGateway(t, ctx, fake, nil, &sleeper{fn: cancel})
		if !errors.Is(r.err, context.Canceled) || len(r.reqs) != 1 {
			t.Errorf("Send = %v after %d requests, want context.Canceled after 1", r.err, len(r.reqs))
		}
	})
	t.Run("cancelled before sending", func(t *testing.T) {
		fake := newFakeGateway(t, answer(200))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := runGateway(t, ctx, fake, nil, &sleeper{})
		if !errors.Is(r.err, context.Canceled) || len(r.reqs) != 0 {
			t.Errorf("Send = %v after %d requests, want context.Canceled and no request", r.err, len(r.reqs))
		}
	})
	t.Run("deadline before the retry", func(t *testing.T) {
		fake := newFakeGateway(t, answer(503, "Retry-After", "10"))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r := runGateway(t, ctx, fake, nil, &sleeper{})
		if digitalid.ErrorCode(r.err) != digitalid.EUNAVAILABLE || len(r.reqs) != 1 || len(r.sleeps) != 0 {
			t.Errorf("Send = %v after %d requests, waits %v; want %s at once, no wait", r.err, len(r.reqs), r.sleeps, digitalid.EUNAVAILABLE)
		}
	})
}

func TestGatewayInvalidMessage(t *testing.T) {
	fake := newFakeGateway(t, answer(200))
	g, err := sms.NewGateway(sms.GatewayConfig{URL: fake.URL}, nil)
	if err != nil {
		t.Fatalf("NewGateway = %v", err)
	}
	if err := g.Send(context.Background(), sms.Message{To: "+7", Body: "x", Purpose: "otp"}); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("Send(bad number) = %v, want %s", err, digitalid.EINVALID)
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("Send(bad number) made %d requests, want none", n)
	}
}
