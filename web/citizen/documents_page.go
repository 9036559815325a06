package citizen

import (
	"net/http"
	"net/url"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/vault/export"
)

// documentsView is what documents.html shows: the citizen's documents.
type documentsView struct {
	Items []documentItem
	Msg   string
}

// documentItem is one document of the list, with texts in the page's
// language.
type documentItem struct {
	ID, TypeID, TypeLabel, Status, Source, Issuer, Added, ExpiresOn string
	SelfDeclared                                                    bool
}

func (h *handlers) documentItem(r *http.Request, d vault.Document) documentItem {
	it := documentItem{ID: d.ID, TypeID: d.TypeID, TypeLabel: h.docs.reg.TypeLabel(h.s.Lang(r), d.TypeID), Status: string(d.Status),
		Source: string(d.Source), Issuer: d.IssuerID, Added: when(d.CreatedAt), SelfDeclared: d.Source == vault.SourceSelf}
	if !d.ExpiresOn.IsZero() {
		it.ExpiresOn = d.ExpiresOn.Format("02.01.2006")
	}
	return it
}

func (h *handlers) documentsPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	list, err := h.docs.vault.List(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	v := documentsView{}
	switch m := r.URL.Query().Get("msg"); m {
	case "added", "deleted":
		v.Msg = "documents.msg." + m
	}
	for _, d := range list {
		v.Items = append(v.Items, h.documentItem(r, d))
	}
	return h.s.Render(w, r, http.StatusOK, "documents", v)
}

// documentView is what documents_view.html shows: one document's fields.
type documentView struct {
	Item    documentItem
	Lines   []export.Line
	Files   []vault.FileInfo
	Formats []string
}

// documentPage shows a document's fields after the citizen confirms it is
// them (PIN within account.ReauthMaxAge).
func (h *handlers) documentPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	id := r.PathValue("id")
	if h.recent(a) != nil {
		return h.confirm(w, r, "/documents/"+url.PathEscape(id))
	}
	d, err := h.docs.vault.Get(r.Context(), a.Citizen.ID, id)
	if err != nil {
		return err
	}
	card, err := export.NewCard(h.docs.reg, h.s.Lang(r), d.Fields, export.Meta{DocumentID: d.ID, Status: string(d.Status)})
	if err != nil {
		return err
	}
	return h.s.Render(w, r, http.StatusOK, "documents_view", documentView{
		Item: h.documentItem(r, d), Lines: card.Fields, Files: d.Files, Formats: []string{"pdf", "png", "svg", "json"},
	})
}

// deleteDocumentPage asks before deleting a self-declared document.
func (h *handlers) deleteDocumentPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	list, err := h.docs.vault.List(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	for _, d := range list {
		if d.ID == r.PathValue("id") {
			return h.s.Render(w, r, http.StatusOK, "documents_delete", h.documentItem(r, d))
		}
	}
	return digitalid.Errorf(digitalid.ENOTFOUND, "no such document")
}

func (h *handlers) deleteDocument(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.docs.vault.Delete(r.Context(), a.Citizen.ID, r.PathValue("id")); err != nil {
		return h.localize(r, err)
	}
	return redirect(w, r, "/documents", url.Values{"msg": {"deleted"}})
}
