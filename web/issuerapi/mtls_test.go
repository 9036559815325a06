package issuerapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/issuerapi"
)

// selfSigned makes a self-signed ECDSA certificate for name, valid from
// notBefore for life, for a server (with the loopback address) or a client.
func selfSigned(t *testing.T, name string, notBefore time.Time, life time.Duration, server bool) tls.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: notBefore, NotAfter: notBefore.Add(life), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k, Leaf: leaf}
}

func certPEM(c tls.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
}

// tlsEnv is the issuer API served over real TLS on a loopback port, the
// server asking for (not requiring) client certificates.
type tlsEnv struct {
	*env
	url    string
	server tls.Certificate
}

func newTLSEnv(t *testing.T, db *store.DB) *tlsEnv {
	t.Helper()
	e := &env{t: t, clock: keystest.NewClock(), key: issuertest.NewKey(t, "mvd-1")}
	e.is = issuertest.New(t, db, e.clock.Now)
	// The TLS handshake checks the server certificate against the real
	// time; the service checks client certificates against the test clock.
	srvCert := selfSigned(t, "localhost", time.Now().Add(-time.Hour), 24*time.Hour, true)
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvCert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, certPEM(srvCert), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "https://" + ln.Addr().String()
	logger := slog.New(slog.DiscardHandler)
	if e.srv, err = web.New(web.Config{PublicURL: url, TLSCert: certFile, TLSKey: keyFile, Version: "test", ShutdownTimeout: time.Second},
		web.Deps{Logger: logger, DB: db, Keys: noKeys{}, Clock: e.clock.Now}); err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if err := issuerapi.Register(e.srv, issuerapi.Deps{Issuers: e.is.Issuers, Logger: logger, Clock: e.clock.Now}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	e.addIssuer("mvd", e.key, "passport_ru")
	e.citizen = e.is.Citizen(t, phone)
	return &tlsEnv{env: e, url: url, server: srvCert}
}

// client is an HTTPS client trusting the test server, presenting cert
// (none when nil).
func (te *tlsEnv) client(cert *tls.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(te.server.Leaf)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
}

// call sends method path with body (JSON) and no Authorization header.
func (te *tlsEnv) call(c *http.Client, method, path, idem string, body any) (int, map[string]any, http.Header) {
	te.t.Helper()
	var b bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&b).Encode(body)
	}
	req, err := http.NewRequest(method, te.url+path, &b)
	if err != nil {
		te.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := c.Do(req)
	if err != nil {
		te.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

// TestMutualTLS: over real TLS on loopback, an issuer with a registered
// client certificate pushes and revokes a document with no client
// assertion; an unknown certificate, none at all, a certificate past its
// end and a disabled issuer's certificate are refused with 401; a client
// without a certificate still reaches the rest of the service.
func TestMutualTLS(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		te := newTLSEnv(t, db)
		ctx := context.Background()
		now := te.clock.Now()
		good := selfSigned(t, "mvd-client", now.Add(-time.Hour), 48*time.Hour, false)
		tp, err := te.is.Issuers.AddClientCert(ctx, "op1", "mvd", certPEM(good))
		if err != nil || tp != issuer.Thumbprint(good.Leaf) {
			t.Fatalf("AddClientCert = %q, %v; want the x5t#S256 %q", tp, err, issuer.Thumbprint(good.Leaf))
		}
		push := map[string]any{"citizen": map[string]string{"phone": phone}, "type": "passport_ru",
			"document": te.key.Sign(t, fixture(t, "passport_ru"))}

		mtls := te.client(&good)
		code, res, _ := te.call(mtls, "PUT", "/api/v1/issuer/documents/P-1", "k1", push)
		if code != http.StatusCreated || res["status"] != "valid" {
			t.Fatalf("PUT with the registered certificate = %d %v, want 201 valid", code, res)
		}
		code, res, _ = te.call(mtls, "POST", "/api/v1/issuer/documents/P-1/revoke", "", nil)
		if code != http.StatusOK || res["status"] != "revoked" {
			t.Errorf("revoke with the registered certificate = %d %v, want 200 revoked", code, res)
		}

		unknown := selfSigned(t, "mvd-client", now.Add(-time.Hour), 48*time.Hour, false)
		before := te.is.Documents(t)
		for name, c := range map[string]*http.Client{"an unknown certificate": te.client(&unknown), "no certificate": te.client(nil)} {
			code, res, h := te.call(c, "PUT", "/api/v1/issuer/documents/P-2", "k2", push)
			if code != http.StatusUnauthorized || res["code"] != "unauthorized" || h.Get("WWW-Authenticate") == "" {
				t.Errorf("PUT with %s = %d %v, want 401 with WWW-Authenticate", name, code, res)
			}
		}
		if after := te.is.Documents(t); after != before {
			t.Errorf("refused calls changed the vault: %s, then %s", before, after)
		}
		if code, _, _ := te.call(te.client(nil), "GET", "/healthz", "", nil); code != http.StatusOK {
			t.Errorf("GET /healthz without a client certificate = %d, want 200 (certificates are requested, not required)", code)
		}

		// A registered certificate is refused again, and ECONFLICT for any issuer.
		if _, err := te.is.Issuers.AddClientCert(ctx, "op1", "mvd", certPEM(good)); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
			t.Errorf("AddClientCert(again) = %v, want ECONFLICT", err)
		}
		expired := selfSigned(t, "old", now.Add(-48*time.Hour), time.Hour, false)
		if _, err := te.is.Issuers.AddClientCert(ctx, "op1", "mvd", certPEM(expired)); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("AddClientCert(expired) = %v, want EINVALID", err)
		}
		if _, err := te.is.Issuers.AddClientCert(ctx, "op1", "mvd", []byte("not a certificate")); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("AddClientCert(garbage) = %v, want EINVALID", err)
		}
		if _, err := te.is.Issuers.AddClientCert(ctx, "op1", "nobody", certPEM(unknown)); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("AddClientCert(unknown issuer) = %v, want ENOTFOUND", err)
		}

		// Past the certificate's end, then with the issuer disabled: refused.
		te.clock.Advance(48 * time.Hour)
		if code, res, _ := te.call(mtls, "POST", "/api/v1/issuer/documents/P-1/revoke", "", nil); code != http.StatusUnauthorized {
			t.Errorf("revoke with a certificate past its end = %d %v, want 401", code, res)
		}
		te.clock.Advance(-48 * time.Hour)
		if err := te.is.Issuers.Disable(ctx, "op1", "mvd"); err != nil {
			t.Fatal(err)
		}
		if code, res, _ := te.call(mtls, "POST", "/api/v1/issuer/documents/P-1/revoke", "", nil); code != http.StatusUnauthorized {
			t.Errorf("revoke with a disabled issuer's certificate = %d %v, want 401", code, res)
		}
	})
}
