package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
)

// Security headers sent with every response. The CSP allows only the
// server's own scripts, styles and images (no inline code), so a page that
// needs an exception must change it here, deliberately.
const (
	contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
	permissionsPolicy = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
	hsts              = "max-age=63072000; includeSubDomains"
)

// reqState is what the outer layer learns about a request and the inner
// layers need: its ID, the matched route and how its errors are rendered.
type reqState struct {
	id      string
	pattern string
	kind    routeKind
	rec     *recorder
	client  string // client address, decided once (clientip.go)
}

// route is the label of the request's route in logs and metrics: the
// ServeMux pattern, never the raw path (which may hold personal data).
func (st *reqState) route() string {
	if st.pattern == "" {
		return "unmatched"
	}
	return st.pattern
}

type stateKey struct{}

func stateOf(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{kind: kindAPI}
}

// RequestID returns the ID of the request ctx belongs to ("" outside a
// request), for audit events and log lines written by domain code.
func RequestID(ctx context.Context) string {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
		return st.id
	}
	return ""
}

// serveHTTP is the server's whole middleware stack, outermost first: request
// ID and state, security headers, access log and metrics, panic recovery,
// CSRF, then the route (or the 404/405 answer).
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.clock()
	h, pattern := s.mux.Handler(r)
	st := &reqState{id: requestIDFor(r), pattern: pattern, kind: s.kindOf(pattern, r.URL.Path), client: s.proxies.client(r)}
	st.rec = &recorder{ResponseWriter: w}
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	s.setHeaders(st.rec, r, st.id)
	s.metrics.inflight.Inc()
	defer s.finish(r, st, start)
	defer s.recoverPanic(st.rec, r)
	if err := s.cop.Check(r); err != nil {
		s.fail(st.rec, r, &digitalid.Error{Code: digitalid.EFORBIDDEN, Message: "Cross-origin request refused.", Key: "error.cross_origin", Err: err})
		return
	}
	if !isText(r.URL.Path) {
		s.fail(st.rec, r, errNotFound()) // names nothing of ours; see text.go
		return
	}
	if pattern == "" {
		s.unmatched(st.rec, r, h)
		return
	}
	s.mux.ServeHTTP(st.rec, r)
}

func (s *Server) setHeaders(w http.ResponseWriter, r *http.Request, id string) {
	h := w.Header()
	h.Set("X-Request-ID", id)
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", permissionsPolicy)
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store") // static assets and JWKS override it
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", hsts)
	}
}

// recoverPanic turns a handler panic into a 500 (logged with its stack)
// instead of a dropped connection. http.ErrAbortHandler keeps its meaning.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	st := stateOf(r)
	s.log.Error("handler panicked", "request_id", st.id, "route", st.route(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	s.fail(w, r, digitalid.Wrap(digitalid.EINTERNAL, fmt.Errorf("panic: %v", v), "Internal error."))
}

// finish writes the access log line and the metrics of a request. The line
// holds the route pattern, never the path or query, and no headers or body.
func (s *Server) finish(r *http.Request, st *reqState, start time.Time) {
	d := s.clock().Sub(start)
	s.metrics.inflight.Dec()
	status := st.rec.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http sends 200
	}
	s.metrics.observe(r.Method, st.pattern, status, d)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelWarn
	case quietRoute(st.pattern):
		level = slog.LevelDebug // probes and scrapes every few seconds
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	s.log.Log(r.Context(), level, "http request",
		"method", r.Method,
		"route", st.route(),
		"status", status,
		"bytes", st.rec.bytes,
		"duration", d,
		"request_id", st.id,
		"client_ip", clientIP(r),
	)
}

// recorder remembers the status and size of a response for logs and
// metrics, and whether anything has been written yet.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the recorder.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush() // unsupported: nothing to flush
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func quietRoute(pattern string) bool {
	switch pattern {
	case "GET /healthz", "GET /readyz", "GET /metrics":
		return true
	}
	return false
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return fmt.Sprintf("%dxx", status/100)
}

func methodLabel(m string) string {
	switch m = strings.ToUpper(m); m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	}
	return "OTHER"
}
