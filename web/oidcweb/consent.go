package oidcweb

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/web/citizen"
)

// scopeView is one line of the consent page.
type scopeView struct {
	Scope    string
	ID       string // for the checkbox
	Label    string
	Hint     string
	Required bool // cannot be unticked
	Optional bool // a checkbox
}

type consentView struct {
	RequestID string
	Name      string
	Logo      string
	Scopes    []scopeView
	Until     string
	Refresh   bool
}

// scopeViews describes scopes in the response language.
func (h *handlers) scopeViews(r *http.Request, rp oidc.RelyingParty, scopes []string) []scopeView {
	lang := h.s.Lang(r)
	rank := func(sc string) int { // the identifier first, then documents, attestations, offline access
		switch {
		case sc == oidc.ScopeOpenID:
			return 0
		case sc == oidc.ScopeOfflineAccess:
			return 3
		case strings.HasPrefix(sc, oidc.DocumentScopePrefix):
			return 1
		}
		return 2
	}
	scopes = slices.Clone(scopes)
	slices.SortStableFunc(scopes, func(a, b string) int { return rank(a) - rank(b) })
	var out []scopeView
	for _, sc := range scopes {
		v := scopeView{Scope: sc, ID: "scope-" + strings.NewReplacer(":", "-", ".", "-").Replace(sc)}
		switch {
		case sc == oidc.ScopeOpenID:
			v.Label, v.Hint, v.Required = h.s.T(r, "oidc.scope.openid"), h.s.T(r, "oidc.scope.openid_hint"), true
		case sc == oidc.ScopeOfflineAccess:
			v.Label, v.Hint, v.Required = h.s.T(r, "oidc.scope.offline"), h.s.T(r, "oidc.scope.offline_hint"), true
		default:
			if t, ok := oidc.DocumentType(sc); ok {
				v.Label = h.d.Labels.TypeLabel(lang, t)
				v.Hint = h.s.T(r, "oidc.scope.document_hint", h.fieldList(lang, t))
			} else {
				v.Label, v.Hint = h.s.T(r, "oidc.scope.attestation."+sc), h.s.T(r, "oidc.scope.attestation_hint")
			}
			v.Required = contains(rp.RequiredScopes, sc)
			v.Optional = !v.Required
		}
		out = append(out, v)
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// consentPage shows what the relying party asks for. It needs a fresh PIN
// or passkey check: a stale session is sent to confirm first, and back.
func (h *handlers) consentPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	id := r.PathValue("id")
	if err := h.guard.Recent(a); err != nil {
		return h.guard.Confirm(w, r, oidc.ConsentPath+"/"+url.PathEscape(id))
	}
	req, rp, err := h.d.OIDC.Pending(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	allowOrigins(w, "form-action 'self'", req.Params.RedirectURI)
	allowOrigins(w, "img-src 'self'", rp.LogoURL)
	return h.s.Render(w, r, http.StatusOK, "oidc_consent", consentView{
		RequestID: req.ID, Name: rp.Name, Logo: rp.LogoURL, Scopes: h.scopeViews(r, rp, req.Params.Scopes),
		Until:   h.now().Add(time.Duration(rp.ConsentDays) * 24 * time.Hour).Format(time.DateOnly),
		Refresh: contains(req.Params.Scopes, oidc.ScopeOfflineAccess),
	})
}

// consentAnswer records the citizen's answer and sends the browser back
// to the relying party: with a code (through the provider's callback) or
// with access_denied.
func (h *handlers) consentAnswer(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		return err
	}
	if r.PostForm.Get("action") == "deny" {
		req, err := h.d.OIDC.Deny(r.Context(), id)
		if err != nil {
			return err
		}
		h.d.Provider.Deny(w, r, req)
		return nil
	}
	if err := h.guard.Recent(a); err != nil {
		return h.guard.Confirm(w, r, oidc.ConsentPath+"/"+url.PathEscape(id))
	}
	ip, rid := client(r)
	req, _, err := h.d.OIDC.Approve(r.Context(), oidc.Approval{RequestID: id, CitizenID: a.Citizen.ID, DeviceID: a.Session.DeviceID,
		AuthTime: a.Session.ReauthAt, Ticked: r.PostForm["scope"], IP: ip, HTTPID: rid})
	if err != nil {
		return err
	}
	http.Redirect(w, r, h.d.Provider.CallbackURL(req.ID), http.StatusSeeOther)
	return nil
}

// allowOrigins widens one directive of the response's Content-Security-Policy
// by the origin of target: the consent form's answer ends in a redirect to
// the relying party (which form-action governs), and its logo is theirs.
func allowOrigins(w http.ResponseWriter, directive, target string) {
	u, err := url.Parse(target)
	if target == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'") {
		return
	}
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, directive) {
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, directive, directive+" "+u.Scheme+"://"+u.Host, 1))
}

// fieldList names the fields of a document type, in display order: what
// the relying party will read.
func (h *handlers) fieldList(lang, typeID string) string {
	t, ok := h.d.Labels.Latest(typeID)
	if !ok {
		return ""
	}
	var names []string
	for _, f := range t.Fields() {
		if l := h.d.Labels.FieldLabel(lang, typeID, f.Name); l != "" {
			names = append(names, l)
		}
	}
	return strings.Join(names, ", ")
}
