// Package presentweb serves the Digital ID over HTTP: the citizen's "Show
// ID" page and API (eligibility, rotating QR codes, portrait, "who checked
// what, when"), and the verifier's scanner page, staff sign-in and
// verification API. The rules are package present's.
package presentweb

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// StaffCookie is the scanner-staff session cookie; over TLS it is sent as
// "__Host-"+StaffCookie.
const StaffCookie = "digitalid_verifier"

// Deps are what the routes need.
type Deps struct {
	Present  *present.Service // required
	Accounts *account.Service // required: the citizen's session
	Logger   *slog.Logger     // default: discard
}

type handlers struct {
	s      *web.Server
	p      *present.Service
	guard  *citizen.Guard
	log    *slog.Logger
	cookie string
	secure bool
}

// Register adds the Digital ID routes to s.
func Register(s *web.Server, deps Deps) error {
	if s == nil || deps.Present == nil || deps.Accounts == nil {
		return digitalid.Errorf(digitalid.EINVALID, "presentweb: a web server, the present and account services are required")
	}
	g, err := citizen.NewGuard(s, deps.Accounts)
	if err != nil {
		return err
	}
	h := &handlers{s: s, p: deps.Present, guard: g, log: deps.Logger, cookie: StaffCookie}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if strings.HasPrefix(s.PublicURL(), "https://") {
		h.secure, h.cookie = true, "__Host-"+StaffCookie
	}
	s.API("GET /api/v1/id", g.API(h.apiOverview))
	s.API("POST /api/v1/id/presentations", g.API(h.apiMint))
	s.API("GET /api/v1/id/portrait", g.API(h.apiPortrait))
	s.API("GET /api/v1/id/checks", g.API(h.apiChecks))
	s.API("POST /api/v1/verifier/verify", h.apiVerify)
	s.API("GET "+portraitURLPath+"{token}", h.apiVerifierPortrait)
	s.Page("GET /id", g.Page(h.showPage))
	s.Page("GET /id/checks", g.Page(h.checksPage))
	s.Page("GET /verifier/signin", h.signInPage)
	s.Page("POST /verifier/signin", h.signIn)
	s.Page("POST /verifier/signout", h.signOut)
	s.Page("GET /verifier/scan", h.scanPage)
	s.Page("GET /verifier", func(w http.ResponseWriter, r *http.Request) error {
		http.Redirect(w, r, "/verifier/scan", http.StatusSeeOther)
		return nil
	})
	return nil
}

// text translates key, or gives fallback when there is no such text.
func (h *handlers) text(r *http.Request, key, fallback string) string {
	if key == "" {
		return fallback
	}
	if t := h.s.T(r, key); t != key {
		return t
	}
	return fallback
}
