package vault_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

func TestSelfDeclared(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		raw := example(t, "passport_ru", nil)
		scan := pngBytes(t, 3, 2)
		pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
		d, err := e.svc.AddSelfDeclared(ctx, alice, "passport_ru", raw, []vault.Upload{{Name: "front.png", Content: scan}, {Name: `C:\scans\back.pdf`, Content: pdf}})
		if err != nil {
			t.Fatalf("AddSelfDeclared = %v", err)
		}
		want, err := e.reg.Validate("passport_ru", 1, raw, t0())
		if err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if d.Source != vault.SourceSelf || d.Status != vault.StatusValid || d.Confirmed() || d.CitizenID != alice || !reflect.DeepEqual(d.Fields, want) {
			t.Errorf("AddSelfDeclared = %+v (fields %v), want a valid, unconfirmed self-declared document with the validated fields", d, d.Fields.Values)
		}

		list, err := e.svc.List(ctx, alice)
		if err != nil || len(list) != 1 || list[0].ID != d.ID || list[0].Fields.Values != nil || list[0].Files[0].Name != "" ||
			list[0].Files[1].MediaType != vault.MediaPDF || list[0].Files[1].Size != int64(len(pdf)) {
			t.Fatalf("List = %+v, %v; want the document's metadata only", list, err)
		}
		got, err := e.svc.Get(ctx, alice, d.ID)
		if err != nil || !reflect.DeepEqual(got.Fields, want) || got.Confirmed() || got.Source != vault.SourceSelf {
			t.Fatalf("Get = %+v, %v; want fields %v", got, err, want.Values)
		}
		if names := []string{got.Files[0].Name, got.Files[1].Name}; !slices.Equal(names, []string{"front.png", "back.pdf"}) {
			t.Errorf("Get file names = %q, want front.png, back.pdf", names)
		}
		f, err := e.svc.File(ctx, alice, d.ID, got.Files[1].ID)
		if err != nil || !bytes.Equal(f.Content, pdf) || f.Name != "back.pdf" || f.MediaType != vault.MediaPDF {
			t.Errorf("File(pdf) = %q %s, %v; want the PDF as uploaded", f.Name, f.MediaType, err)
		}
		f, err = e.svc.File(ctx, alice, d.ID, got.Files[0].ID)
		if _, derr := decodePNG(f.Content); err != nil || derr != nil || f.MediaType != vault.MediaPNG {
			t.Errorf("File(png) = %s, %v (decode: %v); want a PNG", f.MediaType, err, derr)
		}

		// Another citizen sees none of it.
		bob := e.citizen(t, "c_bob")
		_, err = e.svc.Get(ctx, bob, d.ID)
		wantCode(t, "Get(bob, alice's document)", err, digitalid.ENOTFOUND)
		_, err = e.svc.File(ctx, bob, d.ID, got.Files[0].ID)
		wantCode(t, "File(bob, alice's file)", err, digitalid.ENOTFOUND)
		wantCode(t, "Delete(bob, alice's document)", e.svc.Delete(ctx, bob, d.ID), digitalid.ENOTFOUND)
		if list, err := e.svc.List(ctx, bob); err != nil || len(list) != 0 {
			t.Errorf("List(bob) = %v, %v; want none", list, err)
		}

		if err := e.svc.Delete(ctx, alice, d.ID); err != nil {
			t.Fatalf("Delete = %v", err)
		}
		_, err = e.svc.Get(ctx, alice, d.ID)
		wantCode(t, "Get after Delete", err, digitalid.ENOTFOUND)
		if list, err := e.svc.List(ctx, alice); err != nil || len(list) != 0 {
			t.Errorf("List after Delete = %v, %v; want none", list, err)
		}
		if got := actions(e.events(t, alice)); !slices.Equal(got, []string{"document.created", "document.deleted"}) {
			t.Errorf("audit of alice = %q, want created, deleted (her own reads are not recorded)", got)
		}
		if n := e.notes.list(); len(n) != 0 {
			t.Errorf("notifications = %q, want none for the citizen's own documents", n)
		}
	})
}

func TestBadInputStoresNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		good := example(t, "snils", nil)
		sig := jws(good)
		big := make([]byte, vault.MaxUploadSize+1)
		copy(big, "%PDF-1.7")
		tests := []struct {
			name string
			call func() error
			code string
			// fields, when set, are the Fields the error must name.
			fields []string
		}{
			{"bad check digits", func() error {
				_, err := e.svc.AddSelfDeclared(ctx, alice, "snils", example(t, "snils", map[string]any{"number": "112-233-445 96"}), nil)
				return err
			}, digitalid.EINVALID, []string{"number"}},
			{"future birth date and no surname", func() error {
				_, err := e.svc.AddSelfDeclared(ctx, alice, "snils", example(t, "snils", map[string]any{"birth_date": "2030-01-01", "surname": nil}), nil)
				return err
			}, digitalid.EINVALID, []string{"surname", "birth_date"}},
			{"unknown type", func() error {
				_, err := e.svc.AddSelfDeclared(ctx, alice, "diploma", good, nil)
				return err
			}, digitalid.EINVALID, []string{"type"}},
			{"not JSON", func() error { _, err := e.svc.AddSelfDeclared(ctx, alice, "snils", []byte("{"), nil); return err }, digitalid.EINVALID, nil},
			{"GIF scan", func() error {
				_, err := e.svc.AddSelfDeclared(ctx, alice, "snils", good, []vault.Upload{{Name: "ok.png", Content: pngBytes(t, 2, 2)}, {Name: "cat.gif", Content: []byte("GIF89a....")}})
				return err
			}, digitalid.EINVALID, []string{"files[1]"}},
			{"scan over the size limit", func() error {
				_, err := e.svc.AddSelfDeclared(ctx, alice, "snils", good, []vault.Upload{{Name: "big.pdf", Content: big}})
				return err
			}, digitalid.ETOOLARGE, []string{"files[0]"}},
			{"too many scans", func() error {
				ups := slices.Repeat([]vault.Upload{{Name: "a.png", Content: pngBytes(t, 1, 1)}}, vault.MaxUploads+1)
				_, err := e.svc.AddSelfDeclared(ctx, alice, "snils", good, ups)
				return err
			}, digitalid.EINVALID, []string{"files"}},
			{"unknown citizen", func() error { _, err := e.svc.AddSelfDeclared(ctx, "c_nobody", "snils", good, nil); return err }, digitalid.ENOTFOUND, nil},
			{"issuer: bad fields", func() error {
				_, _, err := e.svc.UpsertFromIssuer(ctx, "iss_pfr", alice, "snils", example(t, "snils", map[string]any{"sex": "X"}), sig, "ref-1", "k1")
				return err
			}, digitalid.EINVALID, []string{"sex"}},
			{"issuer: not a JWS", func() error {
				_, _, err := e.svc.UpsertFromIssuer(ctx, "iss_pfr", alice, "snils", good, "not a jws", "ref-1", "k1")
				return err
			}, digitalid.EINVALID, []string{"signature"}},
			{"issuer: no reference, bad issuer id", func() error {
				_, _, err := e.svc.UpsertFromIssuer(ctx, "iss pfr", alice, "snils", good, sig, "", "k1")
				return err
			}, digitalid.EINVALID, []string{"issuer_id", "issuer_doc_id"}},
			{"issuer: key with spaces", func() error {
				_, _, err := e.svc.UpsertFromIssuer(ctx, "iss_pfr", alice, "snils", good, sig, "ref-1", "k 1")
				return err
			}, digitalid.EINVALID, []string{"idempotency_key"}},
			{"issuer: unknown citizen", func() error {
				_, _, err := e.svc.UpsertFromIssuer(ctx, "iss_pfr", "c_nobody", "snils", good, sig, "ref-1", "k1")
				return err
			}, digitalid.ENOTFOUND, nil},
		}
		before := rowCounts(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.call()
				wantCode(t, tt.name, err, tt.code)
				var de *digitalid.Error
				if tt.fields != nil && errors.As(err, &de) {
					var got []string
					for _, f := range de.Fields {
						got = append(got, f.Field)
					}
					if !slices.Equal(got, tt.fields) {
						t.Errorf("%s: error fields = %q, want %q", tt.name, got, tt.fields)
					}
				}
				if after := rowCounts(t, db); !maps.Equal(after, before) {
					t.Errorf("%s: row counts %v, want unchanged %v", tt.name, after, before)
				}
			})
		}
	})
}
