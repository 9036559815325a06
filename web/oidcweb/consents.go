package oidcweb

import (
	"net/http"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// consentJSON is a consent as the API shows it.
type consentJSON struct {
	ID           string     `json:"id"`
	RelyingParty rpJSON     `json:"relying_party"`
	Scopes       []string   `json:"scopes"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

type rpJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Logo string `json:"logo_url,omitempty"`
}

func toJSON(v oidc.ConsentView) consentJSON {
	out := consentJSON{ID: v.ID, RelyingParty: rpJSON{ID: v.Client.ID, Name: v.Client.Name, Logo: v.Client.LogoURL},
		Scopes: v.Scopes, Status: v.Status, CreatedAt: v.CreatedAt, ExpiresAt: v.ExpiresAt}
	if !v.RevokedAt.IsZero() {
		t := v.RevokedAt
		out.RevokedAt = &t
	}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	return out
}

func (h *handlers) listConsents(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	cs, err := h.d.OIDC.Consents(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	out := make([]consentJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, toJSON(c))
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"consents": out})
}

func (h *handlers) find(r *http.Request, a citizen.Auth) (oidc.ConsentView, error) {
	cs, err := h.d.OIDC.Consents(r.Context(), a.Citizen.ID)
	if err != nil {
		return oidc.ConsentView{}, err
	}
	for _, c := range cs {
		if c.ID == r.PathValue("id") {
			return c, nil
		}
	}
	return oidc.ConsentView{}, &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "oidc.error.no_consent", Message: "No such consent."}
}

func (h *handlers) getConsent(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	c, err := h.find(r, a)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, toJSON(c))
}

// deleteConsent revokes a consent and its tokens at once.
func (h *handlers) deleteConsent(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	c, err := h.find(r, a)
	if err != nil {
		return err
	}
	if c.Status == "revoked" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	ip, rid := client(r)
	if err := h.d.OIDC.RevokeConsent(r.Context(), a.Citizen.ID, c.ID, ip, rid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// consentRow is one consent on the cabinet page.
type consentRow struct {
	ID      string
	Name    string
	Logo    string
	Scopes  []scopeView
	Status  string
	Granted string
	Until   string
}

type consentsView struct {
	Msg      string
	Consents []consentRow
}

func (h *handlers) consentsPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	cs, err := h.d.OIDC.Consents(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	v := consentsView{}
	if r.URL.Query().Get("msg") == "revoked" {
		v.Msg = "oidc.consents.revoked"
	}
	for _, c := range cs {
		until := c.ExpiresAt
		if !c.RevokedAt.IsZero() {
			until = c.RevokedAt
		}
		v.Consents = append(v.Consents, consentRow{ID: c.ID, Name: c.Client.Name, Logo: c.Client.LogoURL,
			Scopes: h.scopeViews(r, c.Client, c.Scopes), Status: c.Status,
			Granted: c.CreatedAt.Format(time.DateOnly), Until: until.Format(time.DateOnly)})
	}
	return h.s.Render(w, r, http.StatusOK, "oidc_consents", v)
}

func (h *handlers) revokePage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	ip, rid := client(r)
	if err := h.d.OIDC.RevokeConsent(r.Context(), a.Citizen.ID, r.PathValue("id"), ip, rid); err != nil {
		return err
	}
	http.Redirect(w, r, "/account/consents?msg=revoked", http.StatusSeeOther)
	return nil
}
