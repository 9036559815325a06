package web

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config, *Deps)
	}{
		{"no logger", func(_ *Config, d *Deps) { d.Logger = nil }},
		{"no db", func(_ *Config, d *Deps) { d.DB = nil }},
		{"no keys", func(_ *Config, d *Deps) { d.Keys = nil }},
		{"relative public url", func(c *Config, _ *Deps) { c.PublicURL = "/id" }},
		{"ftp public url", func(c *Config, _ *Deps) { c.PublicURL = "ftp://id.example" }},
		{"public url with query", func(c *Config, _ *Deps) { c.PublicURL = "https://id.example/?a=b" }},
		{"public url with path", func(c *Config, _ *Deps) { c.PublicURL = "https://gov.example/id" }},
		{"cert without key", func(c *Config, _ *Deps) { c.TLSCert = "cert.pem" }},
		{"missing cert files", func(c *Config, _ *Deps) { c.TLSCert, c.TLSKey = "/nonexistent/c.pem", "/nonexistent/k.pem" }},
		{"negative body limit", func(c *Config, _ *Deps) { c.MaxBodyBytes = -1 }},
		{"unsupported language", func(c *Config, _ *Deps) { c.DefaultLang = "de" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := newServer(t, nil)
			cfg := Config{PublicURL: "https://id.example"}
			deps := Deps{Logger: base.log, DB: base.db, Keys: base.keys}
			tt.change(&cfg, &deps)
			if _, err := New(cfg, deps); err == nil {
				t.Errorf("New(%+v) succeeded, want an error", cfg)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	ts := newServer(t, func(c *Config, _ *Deps) { *c = Config{} })
	want := Config{Addr: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080", MaxBodyBytes: 1 << 20,
		ShutdownTimeout: 30 * time.Second, DefaultLang: "ru", Version: "dev", ClientIPHeader: HeaderXForwardedFor}
	if !reflect.DeepEqual(ts.cfg, want) {
		t.Errorf("defaults = %+v, want %+v", ts.cfg, want)
	}
}

// serveOn runs ts.Serve on a new 127.0.0.1 listener (passed through wrap
// when given) and returns its address, the cancel that begins shutdown, and
// Serve's result.
func serveOn(t *testing.T, ts *testServer, wrap func(net.Listener) net.Listener) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if wrap != nil {
		ln = wrap(ln)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ts.Serve(ctx, ln) }()
	return addr, cancel, served
}

// closeNotifyListener reports when the server closes it.
type closeNotifyListener struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func (l *closeNotifyListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.closed) })
	return err
}

// TestGracefulShutdown cancels the server's context while a slow request is
// in flight: the request must still complete with 200, /readyz must answer
// 503, and new connections must be refused.
func TestGracefulShutdown(t *testing.T) {
	ts := newServer(t, nil)
	started, release := make(chan struct{}), make(chan struct{})
	ts.API("POST /api/v1/test/slow", func(w http.ResponseWriter, r *http.Request) error {
		close(started)
		<-release
		return WriteJSON(w, http.StatusOK, map[string]string{"saved": "yes"})
	})
	var cln *closeNotifyListener
	addr, cancel, served := serveOn(t, ts, func(ln net.Listener) net.Listener {
		cln = &closeNotifyListener{Listener: ln, closed: make(chan struct{})}
		return cln
	})
	defer cancel()

	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		resp, err := http.Post("http://"+addr+"/api/v1/test/slow", "application/json", nil)
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- result{resp.StatusCode, string(b), err}
	}()
	<-started

	cancel()
	<-ts.ShuttingDown()
	if rec := ts.get(t, "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz during shutdown = %d, want 503", rec.Code)
	} else if p := decodeProblem(t, rec.Body.Bytes()); p.Code != "unavailable" {
		t.Errorf("readyz problem = %+v, want unavailable", p)
	}
	<-cln.closed
	if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		c.Close()
		t.Errorf("dial %s after shutdown began succeeded, want refused", addr)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v before the in-flight request finished", err)
	default:
	}

	close(release)
	res := <-slow
	if res.err != nil || res.status != 200 || !strings.Contains(res.body, `"saved":"yes"`) {
		t.Errorf("in-flight request = %d %q %v, want 200 with its body", res.status, res.body, res.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil after a clean shutdown", err)
	}
}

func TestShutdownTimeout(t *testing.T) {
	ts := newServer(t, func(c *Config, _ *Deps) { c.ShutdownTimeout = time.Millisecond })
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	ts.API("GET /api/v1/test/stuck", func(w http.ResponseWriter, r *http.Request) error {
		close(started)
		<-release
		return nil
	})
	addr, cancel, served := serveOn(t, ts, nil)
	go http.Get("http://" + addr + "/api/v1/test/stuck")
	<-started
	cancel()
	if err := <-served; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve with a stuck request = %v, want a deadline error", err)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "digitalid test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t)
	ts := newServer(t, func(c *Config, _ *Deps) { c.TLSCert, c.TLSKey = certFile, keyFile })
	addr, cancel, served := serveOn(t, ts, nil)
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != hsts {
		t.Errorf("Strict-Transport-Security over TLS = %q, want %q", got, hsts)
	}
}
