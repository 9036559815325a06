// Package recovery is the HTTP layer of trusted contacts and account
// recovery (package github.com/digitalid/digitalid/recovery): the JSON API
// under /api/v1/me/trusted-contacts, /api/v1/me/trusted-by,
// /api/v1/me/recovery-approvals and /api/v1/recovery, and the pages
// /account/trusted-contacts, /account/recovery-approvals/{id} and /recover.
//
// Signed-in routes go through citizen.Guard, so they take the same cookie
// and bearer tokens as the rest of the cabinet. The recovery itself is for
// a citizen who cannot sign in: it starts from the sign-in page with a code
// to the citizen's own phone, and the recovering browser then proves itself
// with the request's handle (a cookie for pages, a bearer token for the API).
package recovery

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	domain "github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// Deps are what the routes use. Recovery and Accounts are required.
type Deps struct {
	Recovery *domain.Service
	Accounts *account.Service
	Logger   *slog.Logger
	Clock    digitalid.Clock // default digitalid.SystemClock
	Region   string          // default phone region (citizen.DefaultPhoneRegion)
}

type handlers struct {
	s      *web.Server
	rec    *domain.Service
	acc    *account.Service
	guard  *citizen.Guard
	now    digitalid.Clock
	log    *slog.Logger
	region string
	secure bool
}

// Register adds the trusted-contact and recovery routes to s.
func Register(s *web.Server, deps Deps) error {
	if s == nil || deps.Recovery == nil || deps.Accounts == nil {
		return digitalid.Errorf(digitalid.EINVALID, "web/recovery: a server, the recovery and the account services are required")
	}
	g, err := citizen.NewGuard(s, deps.Accounts)
	if err != nil {
		return err
	}
	h := &handlers{s: s, rec: deps.Recovery, acc: deps.Accounts, guard: g, now: deps.Clock, log: deps.Logger,
		region: deps.Region, secure: strings.HasPrefix(s.PublicURL(), "https://")}
	if h.now == nil {
		h.now = digitalid.SystemClock
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.region == "" {
		h.region = citizen.DefaultPhoneRegion
	}
	h.routeAPI()
	h.routePages()
	h.routeSecondChecks()
	return nil
}

func (h *handlers) routeAPI() {
	api := func(pattern string, fn web.HandlerFunc) { h.s.API(pattern, h.withRetry(fn)) }
	api("GET /api/v1/me/trusted-contacts", h.guard.API(h.apiContacts))
	api("POST /api/v1/me/trusted-contacts", h.guard.API(h.apiInvite))
	api("DELETE /api/v1/me/trusted-contacts/{id}", h.guard.API(h.apiRemove))
	api("GET /api/v1/me/trusted-by", h.guard.API(h.apiTrusts))
	api("POST /api/v1/me/trusted-by/{id}/accept", h.guard.API(h.apiAccept))
	api("POST /api/v1/me/trusted-by/{id}/decline", h.guard.API(h.apiDecline))
	api("DELETE /api/v1/me/trusted-by/{id}", h.guard.API(h.apiLeave))
	api("DELETE /api/v1/me/recovery-requests/{id}", h.guard.API(h.apiCancelOwn))
	api("GET /api/v1/me/recovery-approvals", h.guard.API(h.apiApprovals))
	api("GET /api/v1/me/recovery-approvals/{id}", h.guard.API(h.apiApproval))
	api("POST /api/v1/me/recovery-approvals/{id}/code", h.guard.API(h.apiApprovalCode))
	api("POST /api/v1/me/recovery-approvals/{id}/approve", h.guard.API(h.apiApprove))
	api("POST /api/v1/me/recovery-approvals/{id}/reject", h.guard.API(h.apiReject))
	api("POST /api/v1/recovery/code", h.apiStartCode)
	api("POST /api/v1/recovery/requests", h.apiStart)
	api("GET /api/v1/recovery/requests/{id}", h.apiStatus)
	api("DELETE /api/v1/recovery/requests/{id}", h.apiCancel)
	api("POST /api/v1/recovery/requests/{id}/code", h.apiOwnCode)
	api("POST /api/v1/recovery/requests/{id}/passkey", h.apiPasskey)
	api("POST /api/v1/recovery/requests/{id}/complete", h.apiComplete)
}

func (h *handlers) routePages() {
	page := func(pattern string, fn web.HandlerFunc) { h.s.Page(pattern, h.withRetry(fn)) }
	page("GET /account/trusted-contacts", h.guard.Page(h.contactsPage))
	page("POST /account/trusted-contacts", h.guard.Page(h.invitePage))
	page("POST /account/trusted-contacts/{id}/remove", h.guard.Page(h.removePage))
	page("POST /account/trusted-by/{id}/accept", h.guard.Page(h.acceptPage))
	page("POST /account/trusted-by/{id}/decline", h.guard.Page(h.declinePage))
	page("POST /account/trusted-by/{id}/leave", h.guard.Page(h.leavePage))
	page("POST /account/recovery-requests/{id}/cancel", h.guard.Page(h.cancelOwnPage))
	page("GET /account/recovery-approvals/{id}", h.guard.Page(h.approvalPage))
	page("POST /account/recovery-approvals/{id}/code", h.guard.Page(h.approvalCodePage))
	page("POST /account/recovery-approvals/{id}/approve", h.guard.Page(h.approvePage))
	page("POST /account/recovery-approvals/{id}/reject", h.guard.Page(h.rejectPage))
	page("GET /recover", h.startPage)
	page("POST /recover/phone", h.startPhone)
	page("POST /recover/start", h.startCode)
	page("GET /recover/status", h.statusPage)
	page("POST /recover/code", h.ownCodePage)
	page("POST /recover/complete", h.completePage)
	page("POST /recover/cancel", h.cancelPage)
}

// withRetry sets Retry-After for a lock or rate limit that says when.
func (h *handlers) withRetry(fn web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := fn(w, r)
		switch digitalid.ErrorCode(err) {
		case digitalid.ELOCKED, digitalid.ERATELIMITED:
			if l, ok := account.LimitOf(err); ok && !l.RetryAt.IsZero() {
				secs := int((l.RetryAt.Sub(h.now()) + time.Second - 1) / time.Second)
				w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			}
		}
		return err
	}
}

// phone normalises a number typed by a person to E.164.
func (h *handlers) phone(raw string) (string, error) {
	p, err := sms.NormalizePhone(strings.TrimSpace(raw), h.region)
	if err != nil {
		return "", &digitalid.Error{Code: digitalid.EINVALID, Key: "account.phone.invalid", Message: "The phone number is not valid; write it with + and the country code.",
			Fields: []digitalid.FieldError{{Field: "phone", Code: digitalid.EINVALID, Key: "account.phone.invalid", Message: "The phone number is not valid; write it with + and the country code."}}, Err: err}
	}
	return p, nil
}
