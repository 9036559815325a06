package vault_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

func TestIssuerPhoto(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		raw := example(t, "passport_ru", nil)
		sig := jws(raw)
		small, large := pngBytes(t, 12, 15), pngBytes(t, 30, 40)
		upsert := func(key string, photo []byte) (vault.Document, bool, error) {
			return e.svc.UpsertFromIssuerWith(ctx, "iss_mvd", alice, "passport_ru", raw, sig, "P-1", key, vault.IssuerOptions{Photo: photo})
		}
		portrait := func(id string) (vault.File, int) {
			t.Helper()
			d, err := e.svc.Get(ctx, alice, id)
			if err != nil || len(d.Files) != 1 {
				t.Fatalf("Get = %d files, %v; want one portrait", len(d.Files), err)
			}
			f, err := e.svc.File(ctx, alice, id, d.Files[0].ID)
			if err != nil {
				t.Fatalf("File: %v", err)
			}
			img, err := decodePNG(f.Content)
			if err != nil {
				t.Fatalf("portrait does not decode: %v", err)
			}
			return f, img.Bounds().Dx()
		}

		d, created, err := upsert("k1", small)
		if err != nil || !created || len(d.Files) != 1 || d.Files[0].Name != "portrait.png" || d.Files[0].MediaType != vault.MediaPNG {
			t.Fatalf("UpsertFromIssuerWith(photo) = %+v, %v, %v; want a created document with portrait.png", d, created, err)
		}
		if _, w := portrait(d.ID); w != 12 {
			t.Errorf("portrait width = %d, want 12", w)
		}
		// The photo is part of the request the key stands for.
		if again, created, err := upsert("k1", small); err != nil || !created || again.ID != d.ID {
			t.Errorf("replay = %s, %v, %v; want %s created", again.ID, created, err, d.ID)
		}
		_, _, err = upsert("k1", large)
		wantCode(t, "same key, other photo", err, digitalid.ECONFLICT)
		_, _, err = upsert("k1", nil)
		wantCode(t, "same key, no photo", err, digitalid.ECONFLICT)

		// The same photo: no change. Another: replaced.
		before := rowCounts(t, db)
		if _, created, err := upsert("k2", small); err != nil || created {
			t.Errorf("same photo = %v, %v; want updated, no error", created, err)
		}
		if got, _ := e.svc.Get(ctx, alice, d.ID); got.UpdatedAt != d.UpdatedAt {
			t.Errorf("same photo changed the document")
		}
		if _, _, err := upsert("k3", large); err != nil {
			t.Fatalf("new photo: %v", err)
		}
		if _, w := portrait(d.ID); w != 30 {
			t.Errorf("portrait width after update = %d, want 30", w)
		}
		if after := rowCounts(t, db); after["vault_files"] != before["vault_files"] {
			t.Errorf("files %d, then %d; want the portrait replaced", before["vault_files"], after["vault_files"])
		}
		// Revoking keeps the file (the credential no longer counts it).
		if _, err := e.svc.RevokeFromIssuer(ctx, "iss_mvd", "P-1"); err != nil {
			t.Fatal(err)
		}
		if got, err := e.svc.Get(ctx, alice, d.ID); err != nil || len(got.Files) != 1 {
			t.Errorf("revoked: %d files, %v; want the portrait kept", len(got.Files), err)
		}
		// A new document without a photo; then one comes; then a push without
		// one removes it.
		d2, _, err := e.svc.UpsertFromIssuer(ctx, "iss_mvd", alice, "passport_ru", raw, sig, "P-2", "")
		if err != nil || len(d2.Files) != 0 {
			t.Fatalf("no photo = %d files, %v", len(d2.Files), err)
		}
		if d2, _, err = e.svc.UpsertFromIssuerWith(ctx, "iss_mvd", alice, "passport_ru", raw, sig, "P-2", "", vault.IssuerOptions{Photo: small}); err != nil || len(d2.Files) != 1 {
			t.Fatalf("photo added = %d files, %v", len(d2.Files), err)
		}
		if d2, _, err = e.svc.UpsertFromIssuer(ctx, "iss_mvd", alice, "passport_ru", raw, sig, "P-2", ""); err != nil || len(d2.Files) != 0 {
			t.Errorf("photo removed = %d files, %v", len(d2.Files), err)
		}
		if got, err := e.svc.Get(ctx, alice, d2.ID); err != nil || len(got.Files) != 0 {
			t.Errorf("stored after removal: %d files, %v", len(got.Files), err)
		}
	})
}

func TestIssuerPhotoRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		photo := pngBytes(t, 8, 8)
		for i, c := range []struct {
			name, typ string
			photo     []byte
			code      string
			field     string
		}{
			{"not a passport", "snils", photo, digitalid.EINVALID, vault.CodePhotoType},
			{"PDF", "passport_ru", []byte("%PDF-1.7\n%%EOF\n"), digitalid.EINVALID, vault.CodeFileType},
			{"text", "passport_ru", []byte("hello"), digitalid.EINVALID, vault.CodeFileType},
			{"damaged", "passport_ru", photo[:len(photo)-20], digitalid.EINVALID, vault.CodeFileCorrupt},
			{"too big", "passport_ru", append(append([]byte(nil), photo...), make([]byte, vault.MaxPhotoSize)...), digitalid.ETOOLARGE, vault.CodeFileTooBig},
		} {
			t.Run(c.name, func(t *testing.T) {
				raw := example(t, c.typ, nil)
				before := rowCounts(t, db)
				_, _, err := e.svc.UpsertFromIssuerWith(ctx, "iss_mvd", alice, c.typ, raw, jws(raw), fmt.Sprintf("R-%d", i), "", vault.IssuerOptions{Photo: c.photo})
				wantCode(t, "UpsertFromIssuerWith", err, c.code)
				de, ok := err.(*digitalid.Error)
				if !ok || len(de.Fields) != 1 || de.Fields[0].Field != "photo" || de.Fields[0].Code != c.field {
					t.Errorf("error = %#v, want one field error photo/%s", err, c.field)
				}
				if after := rowCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Errorf("rows %v, then %v; want nothing stored", before, after)
				}
			})
		}
	})
}
