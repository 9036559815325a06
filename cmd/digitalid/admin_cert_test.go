package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
)

// TestAdminIssuerClientCert: `admin issuer add --client-cert FILE`
// registers the certificate's thumbprint with the issuer; a file that is
// not a certificate is refused before anything is added.
func TestAdminIssuerClientCert(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testApp(t, nil, "--data-dir", dir)
	jwks, _ := json.Marshal(issuertest.NewKey(t, "mvd-1").JWKS())
	jwksFile := filepath.Join(dir, "mvd.jwks")
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "mvd"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	certFile, badFile := filepath.Join(dir, "mvd.pem"), filepath.Join(dir, "bad.pem")
	for f, b := range map[string][]byte{jwksFile: jwks, certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), badFile: []byte("nope")} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runAdmin(ctx, env{strings.NewReader(""), &out, &errb, func(string) string { return "" }}, args)
		return code, out.String(), errb.String()
	}
	code, out, errs := run("issuer", "add", "--data-dir", dir, "--id", "mvd", "--name", "MVD", "--types", "passport_ru", "--jwks", jwksFile, "--client-cert", certFile)
	if code != 0 || !strings.Contains(out, "x5t#S256 "+issuer.Thumbprint(cert)) {
		t.Fatalf("admin issuer add --client-cert = %d %q %q, want the thumbprint %s", code, out, errs, issuer.Thumbprint(cert))
	}
	if code, _, errs := run("issuer", "add", "--data-dir", dir, "--id", "fns", "--name", "FNS", "--types", "inn", "--jwks", jwksFile, "--client-cert", badFile); code != 1 || !strings.Contains(errs, "--client-cert") {
		t.Errorf("admin issuer add with a bad certificate = %d %q, want 1 naming --client-cert", code, errs)
	}
	if _, err := a.issuers.Get(ctx, "fns"); err == nil {
		t.Error("the issuer with a bad certificate was added")
	}
	code, out, _ = run("issuer", "list", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "CERTS") || !strings.Contains(out, "mvd  active  1     1      passport_ru") {
		t.Errorf("admin issuer list = %d\n%s\nwant mvd with 1 key and 1 certificate", code, out)
	}
	got, err := a.issuers.ClientCerts(ctx, "mvd")
	if err != nil || len(got) != 1 || got[0] != issuer.Thumbprint(cert) {
		t.Errorf("ClientCerts(mvd) = %v, %v", got, err)
	}
}
