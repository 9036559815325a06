package main

import (
	"bytes"
	"context"
	"image/png"
	"path/filepath"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/vault"
)

// TestSeedDemo seeds the demo data twice on each database: the documents
// arrive through the issuer flow (confirmed, birth date set), the adult
// ends at high and the teenager at standard, the demo PIN works, and the
// second start changes nothing.
func TestSeedDemo(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			args := []string{"--data-dir", filepath.Join(t.TempDir(), "data")}
			if dialect == "postgres" {
				args = append(args, "--db", testenv.PostgresDSN(t))
			}
			a := testApp(t, nil, args...)
			ctx := context.Background()
			for i := 0; i < 2; i++ {
				cred, err := a.seedDemo(ctx)
				if err != nil {
					t.Fatalf("seedDemo #%d = %v", i+1, err)
				}
				if (cred != "") != (i == 0) {
					t.Errorf("seedDemo #%d returned verifier credentials %v, want them only the first time", i+1, cred != "")
				}
				if i == 0 {
					v, err := a.present.Authenticate(ctx, cred)
					if err != nil || v.Name != demoVerifierName || len(v.Purposes) != len(present.PurposeNames()) {
						t.Errorf("demo verifier = %+v, %v; want %q allowed every purpose", v, err, demoVerifierName)
					}
				}
			}
			for _, dc := range demoCitizens() {
				c, err := a.accounts.Citizens.ByPhone(ctx, dc.Phone)
				if err != nil {
					t.Fatalf("ByPhone(%s) = %v", dc.Phone, err)
				}
				if c.Assurance != dc.Assurance {
					t.Errorf("%s assurance = %s, want %s", dc.Phone, c.Assurance, dc.Assurance)
				}
				if err := a.accounts.PINs.Verify(ctx, c.ID, demoPIN, account.Client{IP: "127.0.0.1"}); err != nil {
					t.Errorf("%s: the demo PIN is refused: %v", dc.Phone, err)
				}
				docs, err := a.vault.List(ctx, c.ID)
				if err != nil {
					t.Fatalf("vault.List = %v", err)
				}
				if len(docs) != len(dc.Docs) {
					t.Fatalf("%s has %d documents after two seeds, want %d", dc.Phone, len(docs), len(dc.Docs))
				}
				for _, d := range docs {
					if !d.Confirmed() || d.Status == vault.StatusRevoked {
						t.Errorf("%s: document %s is not issuer-confirmed (status %s)", dc.Phone, d.TypeID, d.Status)
					}
				}
				if _, ok, err := a.vault.ConfirmedIdentity(ctx, c.ID); err != nil || !ok {
					t.Errorf("%s: ConfirmedIdentity = %v, %v; want a confirmed birth date", dc.Phone, ok, err)
				}
				// The passport came with a portrait, which is what an inspector sees.
				img, ctype, err := a.credentials.Portrait(ctx, c.ID)
				if err != nil || ctype != "image/png" {
					t.Fatalf("%s: Portrait = %s, %v; want the demo passport's PNG", dc.Phone, ctype, err)
				}
				if cfg, err := png.DecodeConfig(bytes.NewReader(img)); err != nil || cfg.Width != demoPortraitW || cfg.Height != demoPortraitH {
					t.Errorf("%s: portrait %dx%d, %v; want %dx%d", dc.Phone, cfg.Width, cfg.Height, err, demoPortraitW, demoPortraitH)
				}
			}
		})
	}
}

func TestDemoOnlyOnLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:8080": true,
		"0.0.0.0:8080": false, ":8080": false, "192.0.2.10:443": false, "example.org:80": false,
	} {
		if err := checkDemoAddr(addr); (err == nil) != ok {
			t.Errorf("checkDemoAddr(%q) = %v, want allowed=%v", addr, err, ok)
		}
	}
}
