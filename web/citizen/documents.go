package citizen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/vault/export"
	"github.com/digitalid/digitalid/web"
)

// maxDocumentBody bounds an upload: every scan at its limit plus the form.
const maxDocumentBody = vault.MaxUploads*vault.MaxUploadSize + 1<<20

// docDeps are what the document routes need; vault is nil when the server
// has no vault (the routes are then not registered).
type docDeps struct {
	vault *vault.Service
	reg   *vault.Registry
}

// routeDocuments registers the citizen's document API and pages when deps
// carry a vault. Every API route is described in openapi-documents.json.
func (h *handlers) routeDocuments(deps Deps) error {
	if deps.Vault == nil {
		return nil
	}
	h.docs = docDeps{vault: deps.Vault, reg: deps.Registry}
	if h.docs.reg == nil {
		reg, err := vault.NewRegistry()
		if err != nil {
			return fmt.Errorf("citizen: document types: %w", err)
		}
		h.docs.reg = reg
	}
	api := func(pattern string, fn authedFunc, opts ...web.RouteOption) {
		h.s.API(pattern, h.withRetry(h.api(fn)), opts...)
	}
	api("GET /api/v1/documents", h.apiDocuments)
	api("POST /api/v1/documents", h.apiAddDocument, web.MaxBody(maxDocumentBody))
	api("GET /api/v1/documents/{id}", h.apiDocument)
	api("DELETE /api/v1/documents/{id}", h.apiDeleteDocument)
	api("GET /api/v1/documents/{id}/files/{file}", h.apiDocumentFile)
	api("GET /api/v1/documents/{id}/export", h.apiExportDocument)
	page := func(pattern string, fn authedFunc, opts ...web.RouteOption) {
		h.s.Page(pattern, h.withRetry(h.page(fn)), opts...)
	}
	page("GET /documents", h.documentsPage)
	page("GET /documents/new", h.newDocumentPage)
	page("POST /documents/new", h.addDocument, web.MaxBody(maxDocumentBody))
	page("GET /documents/{id}", h.documentPage)
	page("GET /documents/{id}/delete", h.deleteDocumentPage)
	page("POST /documents/{id}/delete", h.deleteDocument)
	return nil
}

// localize puts a vault error's messages into the citizen's language.
func (h *handlers) localize(r *http.Request, err error) error {
	return h.docs.reg.Localize(h.s.Lang(r), err)
}

func (h *handlers) apiDocuments(w http.ResponseWriter, r *http.Request, a Auth) error {
	list, err := h.docs.vault.List(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	lang := h.s.Lang(r)
	out := make([]documentJSON, 0, len(list))
	for _, d := range list {
		out = append(out, h.documentJSON(lang, d))
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]documentJSON{"documents": out})
}

// apiAddDocument stores a self-declared document: multipart/form-data with
// "type", "fields" (JSON) and up to vault.MaxUploads "files", or JSON
// {"type", "fields"} without scans.
func (h *handlers) apiAddDocument(w http.ResponseWriter, r *http.Request, a Auth) error {
	typeID, raw, files, err := readDocumentRequest(r)
	if err != nil {
		return err
	}
	d, err := h.docs.vault.AddSelfDeclared(r.Context(), a.Citizen.ID, typeID, raw, files)
	if err != nil {
		return h.localize(r, err)
	}
	w.Header().Set("Location", "/api/v1/documents/"+d.ID)
	return web.WriteJSON(w, http.StatusCreated, h.documentJSON(h.s.Lang(r), d))
}

// readDocumentRequest reads the body of POST /api/v1/documents.
func readDocumentRequest(r *http.Request) (string, json.RawMessage, []vault.Upload, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		var req struct {
			Type   string          `json:"type"`
			Fields json.RawMessage `json:"fields"`
		}
		if err := web.DecodeJSON(r, &req); err != nil {
			return "", nil, nil, err
		}
		return req.Type, req.Fields, nil, nil
	}
	if err := r.ParseMultipartForm(maxDocumentBody); err != nil {
		return "", nil, nil, badUpload(err)
	}
	files, err := uploads(r.MultipartForm.File["files"])
	if err != nil {
		return "", nil, nil, err
	}
	return r.FormValue("type"), json.RawMessage(r.FormValue("fields")), files, nil
}

// uploads reads the scans of a multipart form.
func uploads(headers []*multipart.FileHeader) ([]vault.Upload, error) {
	var out []vault.Upload
	for _, fh := range headers {
		if fh.Size == 0 && fh.Filename == "" {
			continue // an empty file input
		}
		f, err := fh.Open()
		if err != nil {
			return nil, badUpload(err)
		}
		b, err := io.ReadAll(io.LimitReader(f, vault.MaxUploadSize+1))
		f.Close()
		if err != nil {
			return nil, badUpload(err)
		}
		out = append(out, vault.Upload{Name: fh.Filename, Content: b})
	}
	return out, nil
}

// badUpload is the refusal of an unreadable multipart body; a body over the
// limit stays a *http.MaxBytesError (413).
func badUpload(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return digitalid.Wrap(digitalid.EINVALID, err, "The form could not be read.")
}

// apiDocument returns one document with its fields; it needs a recent
// re-authentication.
func (h *handlers) apiDocument(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.recent(a); err != nil {
		return err
	}
	d, err := h.docs.vault.Get(r.Context(), a.Citizen.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, h.documentJSON(h.s.Lang(r), d))
}

func (h *handlers) apiDeleteDocument(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.docs.vault.Delete(r.Context(), a.Citizen.ID, r.PathValue("id")); err != nil {
		return h.localize(r, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiDocumentFile downloads one scan; it needs a recent re-authentication.
func (h *handlers) apiDocumentFile(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.recent(a); err != nil {
		return err
	}
	f, err := h.docs.vault.File(r.Context(), a.Citizen.ID, r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	return download(w, f.MediaType, f.Name, f.Content)
}

// Export formats and their media types.
var exportTypes = map[string]string{
	"json": "application/json",
	"pdf":  "application/pdf",
	"png":  "image/png",
	"svg":  "image/svg+xml",
}

// exportPNGScale is the PNG export's scale: 1200 pixels across.
const exportPNGScale = 2

// apiExportDocument renders a document in ?format= (json, pdf, png, svg)
// in the citizen's language; it needs a recent re-authentication.
func (h *handlers) apiExportDocument(w http.ResponseWriter, r *http.Request, a Auth) error {
	format := r.URL.Query().Get("format")
	ctype, ok := exportTypes[format]
	if !ok {
		return fieldErr("format", "documents.export.format", "The format must be json, pdf, png or svg.", nil)
	}
	if err := h.recent(a); err != nil {
		return err
	}
	d, err := h.docs.vault.Get(r.Context(), a.Citizen.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := h.export(h.s.Lang(r), d, format)
	if err != nil {
		return err
	}
	return download(w, ctype, d.TypeID+"-"+d.ID+"."+format, body)
}

// export renders d in format.
func (h *handlers) export(lang string, d vault.Document, format string) ([]byte, error) {
	meta := export.Meta{
		DocumentID: d.ID, Status: string(d.Status), Issuer: d.IssuerID, SelfDeclared: d.Source == vault.SourceSelf,
		IssuedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Signature: d.IssuerSignature, GeneratedAt: h.now(),
		VerifyURL: h.s.PublicURL() + "/documents/" + d.ID,
	}
	var buf bytes.Buffer
	if format == "json" {
		err := export.JSON(&buf, export.NewJSONExport(d.Fields, meta))
		return buf.Bytes(), err
	}
	card, err := export.NewCard(h.docs.reg, lang, d.Fields, meta)
	if err != nil {
		return nil, err
	}
	switch format {
	case "pdf":
		err = export.PDF(&buf, card)
	case "png":
		err = export.PNG(&buf, card, exportPNGScale)
	default:
		err = export.SVG(&buf, card)
	}
	return buf.Bytes(), err
}

// download writes body as an attachment named name.
func download(w http.ResponseWriter, ctype, name string, body []byte) error {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}
