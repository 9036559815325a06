package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/store"
)

// IssuerCerts exercises the issuer.CertStore methods on db: registering a
// client certificate thumbprint (unique across issuers), finding its
// issuer, listing an issuer's thumbprints.
func IssuerCerts(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	for _, id := range []string{"certa", "certb"} {
		if err := db.CreateIssuer(ctx, issuer.Issuer{ID: id, Name: id, AllowedTypes: []string{"passport_ru"}, Status: issuer.StatusActive, CreatedAt: at}); err != nil {
			t.Fatalf("CreateIssuer(%s) = %v", id, err)
		}
	}
	for _, tp := range []string{"tp-2", "tp-1"} {
		if err := db.AddIssuerCert(ctx, "certa", tp, at.Add(time.Hour), at); err != nil {
			t.Fatalf("AddIssuerCert(%s) = %v", tp, err)
		}
	}
	wantErrCode(t, "AddIssuerCert(taken, other issuer)", db.AddIssuerCert(ctx, "certb", "tp-1", at, at), digitalid.ECONFLICT)
	wantErrCode(t, "AddIssuerCert(unknown issuer)", db.AddIssuerCert(ctx, "nobody", "tp-3", at, at), digitalid.ENOTFOUND)
	got, err := db.IssuerByCertThumbprint(ctx, "tp-1")
	if err != nil || got.ID != "certa" || got.Status != issuer.StatusActive || len(got.AllowedTypes) != 1 || !got.CreatedAt.Equal(at) {
		t.Errorf("IssuerByCertThumbprint(tp-1) = %+v, %v; want certa, as stored", got, err)
	}
	_, err = db.IssuerByCertThumbprint(ctx, "tp-none")
	wantErrCode(t, "IssuerByCertThumbprint(unknown)", err, digitalid.ENOTFOUND)
	if l, err := db.IssuerCertThumbprints(ctx, "certa"); err != nil || len(l) != 2 || l[0] != "tp-1" {
		t.Errorf("IssuerCertThumbprints(certa) = %v, %v; want tp-1, tp-2", l, err)
	}
	if l, err := db.IssuerCertThumbprints(ctx, "certb"); err != nil || len(l) != 0 {
		t.Errorf("IssuerCertThumbprints(certb) = %v, %v; want none", l, err)
	}
}
