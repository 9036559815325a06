// Package confirmweb lets a signed-in citizen send a self-declared
// passport to the registries for confirmation, follow the request and
// withdraw it: the API under /api/v1/documents/{id}/confirmation and the
// page /documents/{id}/confirmation. The registries answer through the
// issuer API (package issuerapi); the rules are issuer.Service's.
package confirmweb

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// Deps are what the routes need; all but Logger are required.
type Deps struct {
	Issuers  *issuer.Service
	Accounts *account.Service
	Vault    *vault.Service
	Registry *vault.Registry // names of document types
	Logger   *slog.Logger
	Clock    digitalid.Clock // for Retry-After; nil is the system clock
}

type handlers struct {
	s     *web.Server
	d     Deps
	guard *citizen.Guard
}

// Register adds the confirmation API and page to s.
func Register(s *web.Server, deps Deps) error {
	if s == nil || deps.Issuers == nil || deps.Accounts == nil || deps.Vault == nil || deps.Registry == nil {
		return digitalid.Errorf(digitalid.EINVALID, "confirmweb: a web server, the issuer, account and vault services and the registry are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Clock == nil {
		deps.Clock = digitalid.SystemClock
	}
	g, err := citizen.NewGuard(s, deps.Accounts)
	if err != nil {
		return err
	}
	h := &handlers{s: s, d: deps, guard: g}
	s.API("POST /api/v1/documents/{id}/confirmation", g.API(h.apiSend))
	s.API("GET /api/v1/documents/{id}/confirmation", g.API(h.apiStatus))
	s.API("DELETE /api/v1/documents/{id}/confirmation", g.API(h.apiCancel))
	s.Page("GET /documents/{id}/confirmation", g.Page(h.page))
	s.Page("POST /documents/{id}/confirmation", g.Page(h.post))
	return nil
}

// confirmationJSON is a request as the citizen's API shows it.
type confirmationJSON struct {
	ID         string     `json:"id"`
	DocumentID string     `json:"document_id"`
	Type       string     `json:"type"`
	Status     string     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	Issuer     string     `json:"issuer,omitempty"`
	Confirmed  string     `json:"confirmed_document_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
}

func toJSON(c issuer.Confirmation) confirmationJSON {
	out := confirmationJSON{ID: c.ID, DocumentID: c.DocumentID, Type: c.Type, Status: string(c.Status), Reason: c.Reason,
		Issuer: c.DecidedBy, Confirmed: c.IssuerDocumentID, CreatedAt: c.CreatedAt}
	if !c.DecidedAt.IsZero() {
		t := c.DecidedAt
		out.DecidedAt = &t
	}
	return out
}

func (h *handlers) apiSend(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	c, err := h.d.Issuers.Request(r.Context(), a.Citizen.ID, r.PathValue("id"))
	if err != nil {
		h.retryAfter(w, err)
		return h.localize(r, err)
	}
	return web.WriteJSON(w, http.StatusCreated, toJSON(c))
}

func (h *handlers) apiStatus(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	c, err := h.d.Issuers.Status(r.Context(), a.Citizen.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, toJSON(c))
}

func (h *handlers) apiCancel(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	c, err := h.d.Issuers.Cancel(r.Context(), a.Citizen.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, toJSON(c))
}

// retryAfter sets Retry-After when err is the daily limit.
func (h *handlers) retryAfter(w http.ResponseWriter, err error) {
	if l, ok := account.LimitOf(err); ok && !l.RetryAt.IsZero() {
		secs := int(math.Ceil(l.RetryAt.Sub(h.d.Clock()).Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
}

// localize puts a vault error (of the document read) into the citizen's
// language; other errors carry their own keys.
func (h *handlers) localize(r *http.Request, err error) error {
	return h.d.Registry.Localize(h.s.Lang(r), err)
}

// pageView is what the page shows.
type pageView struct {
	DocumentID string
	TypeLabel  string
	Status     string // none, pending, confirmed, rejected or cancelled
	Reason     string
	Confirmed  string // the issuer's document, once confirmed
	Assurance  string
	CanSend    bool
	CanCancel  bool
	Note       string // why it cannot be sent
	Error      string
	Sent       bool
}

func (h *handlers) view(r *http.Request, a citizen.Auth) (pageView, error) {
	ctx, id := r.Context(), r.PathValue("id")
	v := pageView{DocumentID: id, Status: "none", Assurance: string(a.Citizen.Assurance)}
	c, err := h.d.Issuers.Status(ctx, a.Citizen.ID, id)
	switch {
	case err == nil:
		v.Status, v.Reason, v.Confirmed = string(c.Status), c.Reason, c.IssuerDocumentID
		v.TypeLabel = h.d.Registry.TypeLabel(h.s.Lang(r), c.Type)
	case digitalid.ErrorCode(err) != digitalid.ENOTFOUND:
		return v, err
	}
	d, err := h.d.Vault.Get(ctx, a.Citizen.ID, id)
	switch {
	case digitalid.ErrorCode(err) == digitalid.ENOTFOUND && v.Status != "none":
		return v, nil // confirmed (and replaced) or deleted since
	case err != nil:
		return v, h.localize(r, err)
	}
	v.TypeLabel = h.d.Registry.TypeLabel(h.s.Lang(r), d.TypeID)
	switch {
	case d.Source != vault.SourceSelf:
		v.Note = "confirm.note.issuer"
	case !issuer.Confirmable(d.TypeID):
		v.Note = "confirm.note.type"
	case d.Status != vault.StatusValid:
		v.Note = "confirm.note.expired"
	case v.Status == string(issuer.ConfirmPending):
		v.CanCancel = true
	case v.Status == string(issuer.ConfirmConfirmed):
	default:
		v.CanSend = true
	}
	return v, nil
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	v, err := h.view(r, a)
	if err != nil {
		return err
	}
	v.Sent = r.URL.Query().Get("msg") == "sent"
	return h.s.Render(w, r, http.StatusOK, "document_confirmation", v)
}

// post sends (action=send) or withdraws (action=cancel) the request; a
// refusal the citizen can act on is shown on the page.
func (h *handlers) post(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	if err := r.ParseForm(); err != nil {
		return &digitalid.Error{Code: digitalid.EINVALID, Key: "confirm.error.form", Message: "The form could not be read."}
	}
	id := r.PathValue("id")
	var err error
	switch r.PostForm.Get("action") {
	case "send":
		_, err = h.d.Issuers.Request(r.Context(), a.Citizen.ID, id)
	case "cancel":
		_, err = h.d.Issuers.Cancel(r.Context(), a.Citizen.ID, id)
	default:
		err = &digitalid.Error{Code: digitalid.EINVALID, Key: "confirm.error.action", Message: "Choose to send or to withdraw the request."}
	}
	if err == nil {
		msg := "sent"
		if r.PostForm.Get("action") == "cancel" {
			msg = "cancelled"
		}
		http.Redirect(w, r, "/documents/"+id+"/confirmation?msg="+msg, http.StatusSeeOther)
		return nil
	}
	var de *digitalid.Error
	switch code := digitalid.ErrorCode(err); {
	case !errors.As(err, &de) || de.Key == "":
		return err
	case code == digitalid.EINVALID || code == digitalid.ECONFLICT || code == digitalid.ERATELIMITED:
		v, verr := h.view(r, a)
		if verr != nil {
			return verr
		}
		v.Error = h.s.T(r, de.Key)
		h.retryAfter(w, err)
		return h.s.Render(w, r, web.StatusOf(code), "document_confirmation", v)
	}
	return h.localize(r, err)
}
