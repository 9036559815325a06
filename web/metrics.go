package web

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a Prometheus registry with the Go runtime and process
// collectors. cmd builds one, passes it to New and to any other package that
// exports metrics; the global default registry is never used.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// metrics are the server's HTTP metrics. Routes are labelled by their
// ServeMux path pattern, never by raw path, so the label set stays small and
// holds no identifiers.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, version string) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digitalid_http_requests_total",
			Help: "HTTP requests by route pattern, method and status class.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "digitalid_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "digitalid_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "digitalid_build_info",
		Help:        "Always 1; the version label names the running build.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	var err error
	m.requests = register(reg, m.requests, &err)
	m.duration = register(reg, m.duration, &err)
	m.inflight = register(reg, m.inflight, &err)
	register(reg, build, &err)
	if err != nil {
		return nil, fmt.Errorf("web: register metrics: %w", err)
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name (a second Server on the same registry shares the series).
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c
	case errors.As(err, &are):
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	if *errp == nil {
		*errp = err
	}
	return c
}

func (m *metrics) observe(method, pattern string, status int, d time.Duration) {
	route := "unmatched"
	if pattern != "" {
		route = pattern
		if _, path, ok := strings.Cut(pattern, " "); ok {
			route = strings.TrimSpace(path)
		}
	}
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, statusClass(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
}
