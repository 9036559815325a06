package citizen

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
)

// DefaultPhoneRegion is the country assumed for a phone number typed without
// "+" and country code ("8 701 123 45 67").
const DefaultPhoneRegion = "KZ"

// Deps are what the citizen routes need, passed explicitly.
type Deps struct {
	Accounts *account.Service // required
	Logger   *slog.Logger     // default: discard
	// Clock must be the clock the account service runs on: cookie lifetimes
	// and Retry-After are computed from it. Default digitalid.SystemClock.
	Clock digitalid.Clock
	// PhoneRegion is the ISO 3166 country assumed for numbers typed without
	// a country code; default DefaultPhoneRegion.
	PhoneRegion string
	// Vault, when set, serves the citizen's documents (documents.go).
	Vault *vault.Service
	// Registry is the vault's document types; default vault.NewRegistry().
	Registry *vault.Registry
	// Proofing raises standard to high by a biometric match (proofing.go);
	// nil: the proofing endpoints answer 503, not configured.
	Proofing *account.Proofing
	// Confirmations, with Vault, lets the cabinet home tell a citizen at
	// basic that their passport waits for a registry; *issuer.Service
	// implements it. nil: the home advises sending one.
	Confirmations ConfirmationStatus
}

// ConfirmationStatus reads the citizen's latest confirmation request about
// a document (ENOTFOUND when there is none).
type ConfirmationStatus interface {
	Status(ctx context.Context, citizenID, docID string) (issuer.Confirmation, error)
}

// handlers serve the citizen routes; see Register.
type handlers struct {
	s             *web.Server
	acc           *account.Service
	log           *slog.Logger
	now           digitalid.Clock
	region        string
	cookies       cookieJar
	docs          docDeps
	proof         *account.Proofing
	confirmations ConfirmationStatus
}

// Register adds the citizen API and pages to s. Cookies are Secure and
// __Host- prefixed when s's public URL is https.
func Register(s *web.Server, deps Deps) error {
	if s == nil || deps.Accounts == nil {
		return digitalid.Errorf(digitalid.EINVALID, "citizen: a web server and the account service are required")
	}
	h := &handlers{s: s, acc: deps.Accounts, log: deps.Logger, now: deps.Clock, region: deps.PhoneRegion, confirmations: deps.Confirmations}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = digitalid.SystemClock
	}
	if h.region == "" {
		h.region = DefaultPhoneRegion
	}
	h.cookies = newCookieJar(strings.HasPrefix(s.PublicURL(), "https://"))
	h.routeAPI()
	h.routePages()
	h.routeLifecycle()
	h.routeProofing(deps.Proofing)
	return h.routeDocuments(deps)
}

// routeAPI registers the JSON API; each route is described in
// web/openapi.json.
func (h *handlers) routeAPI() {
	api := func(pattern string, fn web.HandlerFunc) { h.s.API(pattern, h.withRetry(fn)) }
	api("POST /api/v1/auth/otp", h.apiRequestCode)
	api("POST /api/v1/auth/otp/verify", h.apiVerifyCode)
	api("POST /api/v1/auth/signup", h.apiSignUp)
	api("POST /api/v1/auth/signin", h.apiSignIn)
	api("POST /api/v1/auth/signout", h.api(h.apiSignOut))
	api("POST /api/v1/auth/reauth", h.api(h.apiReauth))
	api("POST /api/v1/auth/passkey/begin", h.apiBeginPasskeySignIn)
	api("POST /api/v1/auth/passkey/finish", h.apiFinishPasskeySignIn)
	api("POST /api/v1/auth/reauth/passkey/begin", h.api(h.apiBeginPasskeyReauth))
	api("POST /api/v1/auth/reauth/passkey/finish", h.api(h.apiFinishPasskeyReauth))
	api("GET /api/v1/me", h.api(h.apiMe))
	api("PUT /api/v1/me/pin", h.api(h.apiChangePIN))
	api("GET /api/v1/sessions", h.api(h.apiSessions))
	api("DELETE /api/v1/sessions/{id}", h.api(h.apiEndSession))
	api("GET /api/v1/devices", h.api(h.apiDevices))
	api("PATCH /api/v1/devices/{id}", h.api(h.apiRenameDevice))
	api("POST /api/v1/devices/{id}/block", h.api(h.apiBlockDevice))
	api("POST /api/v1/passkeys/register/begin", h.api(h.apiBeginRegistration))
	api("POST /api/v1/passkeys/register/finish", h.api(h.apiFinishRegistration))
	api("GET /api/v1/passkeys", h.api(h.apiPasskeys))
	api("PATCH /api/v1/passkeys/{id}", h.api(h.apiRenamePasskey))
	api("DELETE /api/v1/passkeys/{id}", h.api(h.apiRemovePasskey))
	api("GET /api/v1/notifications", h.api(h.apiNotifications))
	api("POST /api/v1/notifications/{id}/read", h.api(h.apiReadNotification))
}

// routePages registers the pages and their form targets.
func (h *handlers) routePages() {
	page := func(pattern string, fn web.HandlerFunc) { h.s.Page(pattern, h.withRetry(fn)) }
	page("GET /signup", h.signUpPage)
	page("POST /signup/phone", h.phoneStep(flowSignUp))
	page("POST /signup/code", h.codeStep(flowSignUp))
	page("GET /signup/pin", h.pinStepPage(flowSignUp))
	page("POST /signup/pin", h.signUpPIN)
	page("GET /signin", h.signInPage)
	page("POST /signin/phone", h.phoneStep(flowSignIn))
	page("POST /signin/code", h.codeStep(flowSignIn))
	page("GET /signin/pin", h.pinStepPage(flowSignIn))
	page("POST /signin/pin", h.signInPIN)
	page("POST /signout", h.page(h.signOut))
	page("GET /account", h.page(h.homePage))
	page("GET /account/security", h.page(h.securityPage))
	page("GET /account/confirm", h.page(h.confirmPage))
	page("POST /account/confirm", h.page(h.confirmPIN))
	page("GET /account/pin", h.page(h.pinPage))
	page("POST /account/pin", h.page(h.changePIN))
	page("POST /account/sessions/{id}/end", h.page(h.endSession))
	page("POST /account/devices/{id}/rename", h.page(h.renameDevice))
	page("GET /account/devices/{id}/block", h.page(h.blockPage))
	page("POST /account/devices/{id}/block", h.page(h.blockDevice))
	page("POST /account/passkeys/{id}/rename", h.page(h.renamePasskey))
	page("POST /account/passkeys/{id}/remove", h.page(h.removePasskey))
	page("GET /account/notifications", h.page(h.notificationsPage))
	page("POST /account/notifications/{id}/read", h.page(h.readNotification))
	// A page shown in answer to a form (a refused step) has the form's
	// address; reloading it or switching its language GETs that address.
	for path, to := range map[string]string{
		"/signup/phone": "/signup", "/signup/code": "/signup", "/signin/phone": "/signin", "/signin/code": "/signin",
		"/account/devices/{id}/rename": "/account/security", "/account/passkeys/{id}/rename": "/account/security",
		"/account/passkeys/{id}/remove": "/account/security",
	} {
		page("GET "+path, func(w http.ResponseWriter, r *http.Request) error { return redirect(w, r, to, nil) })
	}
}
