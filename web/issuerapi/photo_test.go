package issuerapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// photoPNG is a w×h PNG whose pixels depend on seed.
func photoPNG(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x) + seed, G: uint8(y), B: seed, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withClaim adds photo_sha256 = hex SHA-256 of photo to the fields JSON.
func withClaim(t testing.TB, fields []byte, photo []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fields, &m); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(photo)
	m["photo_sha256"] = hex.EncodeToString(sum[:])
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pushPhoto is a PUT of fields signed by e.key with a base64 photo.
func (e *env) pushPhoto(ref, typ, idem string, fields []byte, photo string) (int, map[string]any) {
	return e.pushSigned(ref, typ, idem, e.key.Sign(e.t, fields), photo)
}

// pushSigned is a PUT of a signed document with a base64 photo.
func (e *env) pushSigned(ref, typ, idem, doc, photo string) (int, map[string]any) {
	return e.do(call{method: "PUT", path: "/api/v1/issuer/documents/" + ref, token: e.assertion("mvd", e.key), idem: idem,
		body: map[string]any{"citizen": map[string]string{"phone": phone}, "type": typ, "document": doc, "photo": photo}})
}

// files returns the number of stored scans.
func files(t testing.TB, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM vault_files`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// portrait returns the single file of the citizen's document id, decoded.
func (e *env) portrait(id string) (vault.File, image.Config) {
	e.t.Helper()
	ctx := context.Background()
	d, err := e.is.Vault.Get(ctx, e.citizen, id)
	if err != nil || len(d.Files) != 1 {
		e.t.Fatalf("Get(%s) = %d files, %v; want one portrait", id, len(d.Files), err)
	}
	f, err := e.is.Vault.File(ctx, e.citizen, id, d.Files[0].ID)
	if err != nil {
		e.t.Fatalf("File: %v", err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(f.Content))
	if err != nil {
		e.t.Fatalf("stored portrait does not decode: %v", err)
	}
	return f, cfg
}

func TestPushPhoto(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		passport := fixture(t, "passport_ru")
		photo := photoPNG(t, 24, 30, 1)
		b64 := base64.StdEncoding.EncodeToString(photo)
		doc := e.key.Sign(t, withClaim(t, passport, photo))
		code, res := e.pushSigned("P-1", "passport_ru", "k1", doc, b64)
		if code != http.StatusCreated {
			t.Fatalf("PUT passport with photo = %d %v, want 201", code, res)
		}
		id := res["id"].(string)
		f, cfg := e.portrait(id)
		if f.MediaType != vault.MediaPNG || f.Name != "portrait.png" || cfg.Width != 24 || cfg.Height != 30 {
			t.Errorf("portrait = %s %q %dx%d, want image/png portrait.png 24x30", f.MediaType, f.Name, cfg.Width, cfg.Height)
		}
		// The same request under the same key is the same answer; the photo
		// is part of the request.
		if code, res := e.pushSigned("P-1", "passport_ru", "k1", doc, b64); code != http.StatusCreated || res["id"] != id {
			t.Errorf("replay = %d %v, want 201 %s", code, res, id)
		}
		other := photoPNG(t, 40, 50, 2)
		if code, res := e.pushSigned("P-1", "passport_ru", "k1", doc, base64.StdEncoding.EncodeToString(other)); code == http.StatusCreated || code == http.StatusOK {
			t.Errorf("same key, other photo = %d %v, want 409", code, res)
		}
		// The same photo again changes nothing; another replaces it.
		before := e.is.Documents(t)
		if code, res := e.pushSigned("P-1", "passport_ru", "k2", doc, b64); code != http.StatusOK {
			t.Errorf("same photo again = %d %v, want 200", code, res)
		}
		if after := e.is.Documents(t); after != before {
			t.Errorf("same photo again changed the vault: %s, then %s", before, after)
		}
		if code, res := e.pushPhoto("P-1", "passport_ru", "k3", withClaim(t, passport, other), base64.StdEncoding.EncodeToString(other)); code != http.StatusOK {
			t.Fatalf("new photo = %d %v, want 200", code, res)
		}
		if _, cfg := e.portrait(id); cfg.Width != 40 || cfg.Height != 50 || files(t, db) != 1 {
			t.Errorf("after a new photo: %dx%d, %d files; want 40x50, one file", cfg.Width, cfg.Height, files(t, db))
		}
		// A push is the whole document: one without a photo removes it.
		if code, res := e.push(e.assertion("mvd", e.key), "P-1", "passport_ru", "k4", e.key, passport); code != http.StatusOK {
			t.Fatalf("push without photo = %d %v", code, res)
		}
		if n := files(t, db); n != 0 {
			t.Errorf("files after a push without photo = %d, want 0", n)
		}
	})
}

func TestPushPhotoRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		passport := fixture(t, "passport_ru")
		photo := photoPNG(t, 24, 30, 1)
		b64 := base64.StdEncoding.EncodeToString(photo)
		notImage := []byte("GIF89a not a portrait")
		big := append(append([]byte(nil), photo...), make([]byte, vault.MaxPhotoSize)...)
		corrupt := photo[:len(photo)/2]
		for _, c := range []struct {
			name, typ    string
			fields       []byte
			photo        string
			want         int
			wantField    string // "errors[].code" on field photo
			wantInDetail string
		}{
			{name: "not an image", fields: withClaim(t, passport, notImage), photo: base64.StdEncoding.EncodeToString(notImage), want: 400, wantField: "file_type"},
			{name: "damaged image", fields: withClaim(t, passport, corrupt), photo: base64.StdEncoding.EncodeToString(corrupt), want: 400, wantField: "file_corrupt"},
			{name: "too big", fields: withClaim(t, passport, big), photo: base64.StdEncoding.EncodeToString(big), want: 413, wantField: "file_too_big"},
			{name: "hash mismatch", fields: withClaim(t, passport, notImage), photo: b64, want: 400, wantField: "mismatch"},
			{name: "not named in the signed document", fields: passport, photo: b64, want: 400, wantField: "unsigned"},
			{name: "named but not sent", fields: withClaim(t, passport, photo), want: 400, wantField: "required"},
			{name: "not base64", fields: withClaim(t, passport, photo), photo: "%%%", want: 400, wantField: "base64"},
			{name: "not a passport", typ: "snils", fields: withClaim(t, fixture(t, "snils"), photo), photo: b64, want: 400, wantField: "photo_type"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if c.typ == "" {
					c.typ = "passport_ru"
				}
				before, beforeFiles := e.is.Documents(t), files(t, db)
				code, res := e.pushPhoto("P-1", c.typ, "k-"+strings.ReplaceAll(c.name, " ", "-"), c.fields, c.photo)
				if code != c.want || !hasFieldError(res, "photo", c.wantField) {
					t.Errorf("PUT = %d %v, want %d with photo error %q", code, res, c.want, c.wantField)
				}
				if after, afterFiles := e.is.Documents(t), files(t, db); after != before || afterFiles != beforeFiles {
					t.Errorf("vault changed: %s (%d files), then %s (%d files)", before, beforeFiles, after, afterFiles)
				}
			})
		}
	})
}

// hasFieldError reports whether a problem lists code for field.
func hasFieldError(res map[string]any, field, code string) bool {
	errs, _ := res["errors"].([]any)
	for _, x := range errs {
		m, _ := x.(map[string]any)
		if m["field"] == field && m["code"] == code {
			return true
		}
	}
	return false
}
