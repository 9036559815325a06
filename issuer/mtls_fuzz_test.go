package issuer_test

import (
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/issuer"
)

// FuzzParseCertPEM: an operator's --client-cert file is outside bytes; any
// content gives a certificate or EINVALID, never a panic.
func FuzzParseCertPEM(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("not pem"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := issuer.ParseCertPEM(b)
		if err != nil {
			if digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Fatalf("ParseCertPEM = %v, want EINVALID", err)
			}
			return
		}
		if issuer.Thumbprint(c) == "" {
			t.Fatal("a parsed certificate has no thumbprint")
		}
	})
}
