// Package issuerapi is the HTTP face of package issuer: the API through
// which authorities push and revoke citizens' documents. Each call carries
// a private_key_jwt client assertion (RFC 7523) in the Authorization header
// ("Bearer <JWT>", audience {PublicURL}/api/v1/issuer) or, over TLS, comes
// with a registered client certificate (mutual TLS, RFC 8705; see
// issuer.AuthenticateCert); the routes are not cookie-authenticated, so
// they are exempt from browser CSRF checks.
package issuerapi

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
)

// AudiencePath is the path, under the public URL, that client assertions
// name as their audience.
const AudiencePath = "/api/v1/issuer"

// MaxBodyBytes bounds a push: a document JWS (at most 64 KiB), a portrait
// photo in base64 (at most vault.MaxPhotoSize bytes decoded) and a little.
const MaxBodyBytes = 96<<10 + (vault.MaxPhotoSize+2)/3*4

// Deps are the API's collaborators. Issuers is required; a nil Logger
// discards.
type Deps struct {
	Issuers *issuer.Service
	Logger  *slog.Logger
	Clock   digitalid.Clock // for Retry-After; nil is the system clock
}

type api struct {
	deps     Deps
	audience string
}

// Register adds the issuer API routes to s.
func Register(s *web.Server, deps Deps) error {
	if deps.Issuers == nil {
		return digitalid.Errorf(digitalid.EINVALID, "issuerapi: the issuer service is required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Clock == nil {
		deps.Clock = digitalid.SystemClock
	}
	a := &api{deps: deps, audience: s.PublicURL() + AudiencePath}
	s.API("PUT /api/v1/issuer/documents/{ref}", a.put, web.CrossOrigin(), web.MaxBody(MaxBodyBytes))
	s.API("POST /api/v1/issuer/documents/{ref}/revoke", a.revoke, web.CrossOrigin())
	a.routeConfirm(s) // confirm.go
	return nil
}

// pushBody is the JSON of a PUT.
type pushBody struct {
	Citizen  issuer.CitizenRef `json:"citizen"`
	Type     string            `json:"type"`
	Document string            `json:"document"`
	Photo    string            `json:"photo,omitempty"` // base64 of a JPEG or PNG, passports only
}

// DocumentResponse is what both routes answer with.
type DocumentResponse struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Status  string `json:"status"`
	Created bool   `json:"created"`
}

func response(d vault.Document, created bool) DocumentResponse {
	return DocumentResponse{ID: d.ID, Type: d.TypeID, Status: string(d.Status), Created: created}
}

// authenticate checks the request's client assertion.
func (a *api) authenticate(w http.ResponseWriter, r *http.Request) (issuer.Issuer, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var iss issuer.Issuer
	var err error
	switch {
	case (!ok || token == "") && r.TLS != nil && len(r.TLS.PeerCertificates) > 0:
		// Mutual TLS (RFC 8705): no assertion, a client certificate.
		iss, err = a.deps.Issuers.AuthenticateCert(r.Context(), r.TLS.PeerCertificates[0])
	case !ok || token == "":
		err = &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "issuer.error.assertion_missing",
			Message: "Send a client assertion (RFC 7523) as Authorization: Bearer <JWT>, or use a registered TLS client certificate."}
	default:
		iss, err = a.deps.Issuers.Authenticate(r.Context(), strings.TrimSpace(token), a.audience)
	}
	switch digitalid.ErrorCode(err) {
	case digitalid.EUNAUTHORIZED:
		w.Header().Set("WWW-Authenticate", `Bearer realm="issuer"`)
	case digitalid.ERATELIMITED:
		if l, ok := account.LimitOf(err); ok {
			secs := int(math.Ceil(l.RetryAt.Sub(a.deps.Clock()).Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		}
	}
	return iss, err
}

func (a *api) put(w http.ResponseWriter, r *http.Request) error {
	iss, err := a.authenticate(w, r)
	if err != nil {
		return err
	}
	var b pushBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	photo, err := issuer.DecodePhoto(b.Photo)
	if err != nil {
		return err
	}
	res, err := a.deps.Issuers.Push(r.Context(), iss, issuer.Push{Ref: r.PathValue("ref"), Citizen: b.Citizen, Type: b.Type,
		Document: b.Document, IdempotencyKey: r.Header.Get("Idempotency-Key"), Photo: photo})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return web.WriteJSON(w, status, response(res.Document, res.Created))
}

func (a *api) revoke(w http.ResponseWriter, r *http.Request) error {
	iss, err := a.authenticate(w, r)
	if err != nil {
		return err
	}
	d, err := a.deps.Issuers.Revoke(r.Context(), iss, r.PathValue("ref"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, response(d, false))
}
