package credential_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/credential/credentialtest"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// photo is a w×h PNG.
func photo(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPortraitRule: the portrait is the photo of the passport the
// citizen's identity rests on (as vault.ConfirmedIdentity picks it), never
// a self-declared scan, never another passport's photo.
func TestPortraitRule(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(t, db)
		id := e.Citizen(t).Citizen.ID
		push := func(typeID, ref string, raw []byte, ph []byte) {
			t.Helper()
			enc := base64.RawURLEncoding
			sig := enc.EncodeToString([]byte(`{"alg":"ES256"}`)) + "." + enc.EncodeToString(raw) + "." + enc.EncodeToString(bytes.Repeat([]byte{1}, 64))
			if _, _, err := e.Vault.UpsertFromIssuerWith(ctx, "mvd", id, typeID, raw, sig, ref, "", vault.IssuerOptions{Photo: ph}); err != nil {
				t.Fatalf("push %s: %v", typeID, err)
			}
		}
		width := func() (int, error) {
			img, ctype, err := e.Svc.Portrait(ctx, id)
			if err != nil {
				return 0, err
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(img))
			if err != nil || ctype != vault.MediaPNG {
				t.Fatalf("portrait %s does not decode: %v", ctype, err)
			}
			return cfg.Width, nil
		}
		internal, _ := json.Marshal(credentialtest.PassportFields("1990-05-05"))
		international, err := os.ReadFile("../vault/testdata/valid/passport_international.json")
		if err != nil {
			t.Fatal(err)
		}

		// A self-declared passport's scan is not a portrait.
		if _, err := e.Vault.AddSelfDeclared(ctx, id, "passport_ru", internal, []vault.Upload{{Name: "me.png", Content: photo(t, 11, 11)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := width(); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("Portrait(self-declared scan) = %v, want ENOTFOUND", err)
		}
		// A confirmed international passport with a photo: its photo.
		push("passport_international", "int", international, photo(t, 20, 20))
		if w, err := width(); err != nil || w != 20 {
			t.Errorf("Portrait(international) = %d, %v; want 20", w, err)
		}
		// The internal passport is preferred, photo or not.
		push("passport_ru", "ru", internal, nil)
		if _, err := width(); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("Portrait(internal without photo) = %v, want ENOTFOUND", err)
		}
		push("passport_ru", "ru", internal, photo(t, 30, 30))
		if w, err := width(); err != nil || w != 30 {
			t.Errorf("Portrait(internal) = %d, %v; want 30", w, err)
		}
		// Revoked, it no longer counts: back to the international one.
		if _, err := e.Vault.RevokeFromIssuer(ctx, "mvd", "ru"); err != nil {
			t.Fatal(err)
		}
		if w, err := width(); err != nil || w != 20 {
			t.Errorf("Portrait(internal revoked) = %d, %v; want 20", w, err)
		}
	})
}
