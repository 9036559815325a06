package citizen

import (
	"net/http"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// AuthedFunc handles a request of a signed-in citizen.
type AuthedFunc = func(w http.ResponseWriter, r *http.Request, a Auth) error

// Guard lets the routes of other packages (the digital ID, trusted
// contacts, relying-party consent) require a signed-in citizen exactly as the
// citizen routes do: the same cookie, bearer tokens, redirects and problems.
type Guard struct{ h *handlers }

// NewGuard returns a Guard over the sessions of acc. Its cookies are those of
// Register on the same server.
func NewGuard(s *web.Server, acc *account.Service) (*Guard, error) {
	if s == nil || acc == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "citizen: a web server and the account service are required")
	}
	h := &handlers{s: s, acc: acc, now: digitalid.SystemClock, region: DefaultPhoneRegion}
	h.cookies = newCookieJar(strings.HasPrefix(s.PublicURL(), "https://"))
	return &Guard{h: h}, nil
}

// API wraps a JSON API handler: without a valid session it answers 401
// problem+json with WWW-Authenticate.
func (g *Guard) API(fn AuthedFunc) web.HandlerFunc { return g.h.api(fn) }

// Page wraps a page handler: without a valid session the browser goes to
// the sign-in page, which returns to a GET page once signed in.
func (g *Guard) Page(fn AuthedFunc) web.HandlerFunc { return g.h.page(fn) }

// Authenticate returns the request's signed-in citizen, or EUNAUTHORIZED.
func (g *Guard) Authenticate(r *http.Request) (Auth, error) { return g.h.authenticate(r) }

// Recent returns nil when a's last PIN or passkey check is recent enough for
// a sensitive action (account.ReauthMaxAge), and EFORBIDDEN otherwise.
func (g *Guard) Recent(a Auth) error { return g.h.recent(a) }

// Confirm sends the browser to the re-authentication page, which returns to
// next (a local path) once the citizen has confirmed with PIN or passkey.
func (g *Guard) Confirm(w http.ResponseWriter, r *http.Request, next string) error {
	return g.h.confirm(w, r, next)
}

// AllowAuth counts an authentication attempt (an OTP or PIN entry) against
// the client address's rate limit, as every sign-in endpoint does.
func (g *Guard) AllowAuth(r *http.Request) error { return g.h.allow(r) }

// Client is who sent r, for the audit log.
func Client(r *http.Request) account.Client { return client(r) }
