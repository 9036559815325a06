package citizen_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"testing"

	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web/citizen"
)

// docEnv is an env whose citizen routes include the document vault.
type docEnv struct {
	*env
	vault *vault.Service
}

// withVault builds a vault over the env's database, audit log and clock.
func withVault(t testing.TB, out **vault.Service) func(e *env, d *citizen.Deps) {
	return func(e *env, d *citizen.Deps) {
		backend, err := keys.NewFileBackend(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatalf("keys.NewFileBackend: %v", err)
		}
		m, err := keys.NewManager(keys.Config{Store: e.db, Backend: backend, Now: e.clock.Now})
		if err != nil {
			t.Fatalf("keys.NewManager: %v", err)
		}
		if err := m.EnsureKeys(e.ctx); err != nil {
			t.Fatalf("EnsureKeys: %v", err)
		}
		reg, err := vault.NewRegistry()
		if err != nil {
			t.Fatalf("vault.NewRegistry: %v", err)
		}
		ik, err := vault.LoadIndexKey(e.ctx, m)
		if err != nil {
			t.Fatalf("LoadIndexKey: %v", err)
		}
		svc, err := vault.NewService(e.db, m, reg, e.audit, e.clock.Now, slog.New(slog.DiscardHandler), vault.Options{IndexKey: ik})
		if err != nil {
			t.Fatalf("vault.NewService: %v", err)
		}
		d.Vault, d.Registry, *out = svc, reg, svc
	}
}

func newDocEnv(t testing.TB, db *store.DB, o options) *docEnv {
	t.Helper()
	de := &docEnv{}
	o.deps = withVault(t, &de.vault)
	de.env = newEnv(t, db, o)
	return de
}

// snilsFields is a valid SNILS card (vault/testdata/valid/snils.json).
func snilsFields() map[string]string {
	return map[string]string{
		"number": "112-233-445 95", "surname": "Иванова", "given_names": "Анна", "patronymic": "Сергеевна",
		"sex": "F", "birth_date": "1985-03-14", "birth_place": "г. Москва", "issue_date": "2001-02-03",
	}
}

// scanPNG is a small PNG image, as a phone's scan would be.
func scanPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload is one file of a multipart request.
type upload struct {
	name    string
	content []byte
}

// addDocument posts a multipart document as the citizen with token, in
// language lang.
func (e *docEnv) addDocument(token, lang, typeID string, fields any, files ...upload) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	raw, err := json.Marshal(fields)
	if err != nil {
		e.t.Fatal(err)
	}
	_ = mw.WriteField("type", typeID)
	_ = mw.WriteField("fields", string(raw))
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			e.t.Fatal(err)
		}
		_, _ = io.Copy(w, bytes.NewReader(f.content))
	}
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	hr := httptest.NewRequest("POST", "/api/v1/documents", &body)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.Header.Set("Authorization", "Bearer "+token)
	hr.Header.Set("Accept-Language", lang)
	hr.RemoteAddr = "192.0.2.1:40000"
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// documentList returns the citizen's documents over the API.
func (e *docEnv) documentList(token string) []documentOut {
	e.t.Helper()
	var out struct{ Documents []documentOut }
	e.json(req{method: "GET", path: "/api/v1/documents", token: token}, 200, &out)
	return out.Documents
}

// documentOut is the part of a document answer tests read.
type documentOut struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	TypeLabel string            `json:"type_label"`
	Status    string            `json:"status"`
	Source    string            `json:"source"`
	Fields    map[string]any    `json:"fields"`
	Labels    map[string]string `json:"labels"`
	Files     []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		MediaType string `json:"media_type"`
	} `json:"files"`
}
