package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/web/i18n"
	"github.com/go-jose/go-jose/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultMaxBodyBytes    = 1 << 20
	DefaultShutdownTimeout = 30 * time.Second
	DefaultLang            = "ru"
)

// readyTimeout bounds the database ping of /readyz, so a hung database makes
// the instance unready instead of hanging the load balancer's probe.
const readyTimeout = 2 * time.Second

// Config is the HTTP server's configuration, read once in cmd.
type Config struct {
	Addr            string        // listen address; default 127.0.0.1:8080
	PublicURL       string        // external base URL (scheme://host[:port]); default http://{Addr}
	TLSCert         string        // PEM certificate file; with TLSKey, serve HTTPS (and send HSTS)
	TLSKey          string        // PEM private key file
	MaxBodyBytes    int64         // default request body limit; default 1 MiB (routes may raise it)
	ShutdownTimeout time.Duration // how long in-flight requests may take to finish; default 30 s
	DefaultLang     string        // language when neither cookie nor Accept-Language chooses; default ru
	Version         string        // shown in the footer and the OpenAPI document

	// TrustedProxies are the reverse proxies and load balancers in front of
	// the server. Only a connection from one of them may name the client in
	// ClientIPHeader (see ClientIP); default none: the client is the peer.
	TrustedProxies []netip.Prefix
	// ClientIPHeader is the header the trusted proxies name the client in:
	// HeaderXForwardedFor (default) or HeaderForwarded (RFC 7239 for=).
	ClientIPHeader string
}

// Pinger checks that the database answers. *store.DB implements it. Ping
// returns an error when the database cannot serve queries now.
type Pinger interface {
	Ping(ctx context.Context) error
}

// JWKSource gives the platform's public signing keys for
// /.well-known/jwks.json. It must return only public keys; the server refuses
// to publish a set holding a private key.
type JWKSource interface {
	JWKS(ctx context.Context) (jose.JSONWebKeySet, error)
}

// Registry is where the server registers its metrics and what /metrics
// exposes. *prometheus.Registry implements it; see NewRegistry.
type Registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// Deps are the server's collaborators, passed explicitly.
type Deps struct {
	Logger  *slog.Logger    // required; build it with NewLogger
	DB      Pinger          // required; checked by /readyz
	Keys    JWKSource       // required; published at /.well-known/jwks.json
	Metrics Registry        // optional; default NewRegistry()
	Clock   digitalid.Clock // optional; default digitalid.SystemClock
}

// Server is digitalid's HTTP server. Build it with New, register routes with
// API, Page and Handle before serving, then call Run (or Serve).
type Server struct {
	cfg       Config
	publicURL string // without trailing slash
	log       *slog.Logger
	db        Pinger
	keys      JWKSource
	clock     digitalid.Clock
	tls       *tls.Config
	proxies   proxies // who names the client (clientip.go)

	mux       *http.ServeMux
	cop       *http.CrossOriginProtection
	metrics   *metrics
	gatherer  prometheus.Gatherer
	bundle    *i18n.Bundle
	pages     *pages
	assets    *assets
	openapi   []byte
	routesMu  sync.RWMutex
	routes    map[string]routeInfo // by pattern
	shutting  atomic.Bool
	drainOnce sync.Once
	draining  chan struct{}
}

// New validates cfg, applies defaults and builds a Server with the built-in
// routes (health, readiness, metrics, JWKS, OpenAPI, pages, static assets).
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if deps.Logger == nil || deps.DB == nil || deps.Keys == nil {
		return nil, errors.New("web: Deps.Logger, Deps.DB and Deps.Keys are required")
	}
	s := &Server{
		cfg:       cfg,
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"),
		log:       deps.Logger,
		db:        deps.DB,
		keys:      deps.Keys,
		clock:     deps.Clock,
		mux:       http.NewServeMux(),
		cop:       http.NewCrossOriginProtection(),
		routes:    make(map[string]routeInfo),
		draining:  make(chan struct{}),
		proxies:   proxies{header: cfg.ClientIPHeader},
	}
	for _, p := range cfg.TrustedProxies {
		s.proxies.nets = append(s.proxies.nets, normPrefix(p))
	}
	if s.clock == nil {
		s.clock = digitalid.SystemClock
	}
	reg := deps.Metrics
	if reg == nil {
		reg = NewRegistry()
	}
	s.gatherer = reg
	var err error
	if s.metrics, err = newMetrics(reg, cfg.Version); err != nil {
		return nil, err
	}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("web: load TLS key pair: %w", err)
		}
		// Client certificates are requested, never required nor checked
		// against a CA: issuers may authenticate with a registered one
		// (mutual TLS, RFC 8705; web/issuerapi), everyone else sends none.
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert}
	}
	if s.bundle, err = i18n.New(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if !s.bundle.Supports(cfg.DefaultLang) {
		return nil, fmt.Errorf("web: DefaultLang %q is not one of %v", cfg.DefaultLang, s.bundle.Languages())
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(s.assets); err != nil {
		return nil, err
	}
	if s.openapi, err = openAPIDocument(s.publicURL, cfg.Version); err != nil {
		return nil, err
	}
	s.routeBuiltins()
	return s, nil
}

func (c *Config) setDefaults() error {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("web: TLSCert and TLSKey must be given together")
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		c.PublicURL = scheme + "://" + c.Addr
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("web: PublicURL %q must be an absolute http(s) URL of a host root (routes are served at /)", c.PublicURL)
	}
	if c.MaxBodyBytes < 0 {
		return fmt.Errorf("web: MaxBodyBytes %d is negative", c.MaxBodyBytes)
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.DefaultLang == "" {
		c.DefaultLang = DefaultLang
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	switch h := http.CanonicalHeaderKey(c.ClientIPHeader); h {
	case "":
		c.ClientIPHeader = HeaderXForwardedFor
	case HeaderXForwardedFor, HeaderForwarded:
		c.ClientIPHeader = h
	default:
		return fmt.Errorf("web: ClientIPHeader %q must be %s or %s", c.ClientIPHeader, HeaderXForwardedFor, HeaderForwarded)
	}
	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			return fmt.Errorf("web: TrustedProxies holds an invalid network %v", p)
		}
	}
	return nil
}

// PublicURL returns the external base URL (scheme://host[:port], no
// trailing slash), for adapters that build absolute links or decide whether
// cookies must be Secure (an https URL: TLS here or at a proxy in front).
func (s *Server) PublicURL() string { return s.publicURL }

// Handler returns the server's root handler, for tests (httptest.NewServer)
// and for embedding.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// ShuttingDown returns a channel closed when graceful shutdown begins, so
// long-lived handlers (streams, long polls) can end early.
func (s *Server) ShuttingDown() <-chan struct{} { return s.draining }

// Run listens on Config.Addr and serves until ctx is cancelled; see Serve.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("web: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves HTTP (HTTPS when TLS is configured) on ln until ctx is
// cancelled, then shuts down gracefully: /readyz answers 503, the listener
// closes so new connections are refused, and in-flight requests have up to
// ShutdownTimeout to finish. It returns nil after a clean shutdown. Request
// contexts do not derive from ctx, so cancelling ctx never aborts a request
// that is already being handled.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         s.tls,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if s.tls != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	s.log.Info("serving HTTP", "addr", ln.Addr().String(), "public_url", s.publicURL, "tls", s.tls != nil)
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	s.beginShutdown()
	s.log.Info("shutting down HTTP", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("web: graceful shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web: serve: %w", err)
	}
	s.log.Info("HTTP server stopped")
	return nil
}

// beginShutdown marks the server as shutting down: /readyz fails from now on.
func (s *Server) beginShutdown() {
	s.drainOnce.Do(func() {
		s.shutting.Store(true)
		close(s.draining)
	})
}
