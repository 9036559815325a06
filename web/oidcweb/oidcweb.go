// Package oidcweb serves the relying-party side of the web: the OpenID
// Connect provider's endpoints (package oidc), the consent page a citizen
// sees when a service asks for documents, the cabinet page and API of
// consents ("who can see what, until when"), and the documents API that
// relying parties call with their access tokens.
package oidcweb

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// Vault is what the documents API needs of the vault; *vault.Service
// implements it.
type Vault interface {
	List(ctx context.Context, citizenID string) ([]vault.Document, error)
	ReadForParty(ctx context.Context, actor audit.Actor, citizenID, docID, purpose string) (vault.Document, error)
}

// Labels names document types and fields for people; *vault.Registry
// implements it.
type Labels interface {
	TypeLabel(lang, typeID string) string
	FieldLabel(lang, typeID, field string) string
	Latest(id string) (*vault.DocType, bool)
}

// Attestations derives a citizen's attestations (age_over_18, student,
// ...) from their confirmed documents; *credential.Service implements it.
type Attestations interface {
	Attestations(ctx context.Context, citizenID string) ([]credential.Attestation, error)
}

// Signer is the platform KeyStore as the documents API uses it;
// *keys.Manager implements it.
type Signer interface {
	Signer(ctx context.Context, alg keys.Alg) (keys.Signer, error)
}

// Deps are the collaborators of the routes.
type Deps struct {
	OIDC     *oidc.Service
	Provider *oidc.Provider
	Accounts *account.Service
	Vault    Vault
	Labels   Labels
	// Signer signs the SD-JWT VC presentations of the documents API
	// (?format=sd-jwt) with the platform's ES256 key, the one the JWKS
	// publishes; optional (without it only the issuer-signed JSON is served).
	Signer Signer
	// Attestations is optional: without it attestation scopes grant nothing.
	Attestations Attestations
	Logger       *slog.Logger
	Clock        digitalid.Clock
}

type handlers struct {
	s     *web.Server
	d     Deps
	guard *citizen.Guard
	now   digitalid.Clock
}

// Register mounts the provider's endpoints, the consent and cabinet pages
// and the consents and documents APIs on s.
func Register(s *web.Server, d Deps) error {
	if d.OIDC == nil || d.Provider == nil || d.Accounts == nil || d.Vault == nil || d.Labels == nil {
		return digitalid.Errorf(digitalid.EINVALID, "oidcweb: the oidc service, provider, accounts, vault and labels are required")
	}
	g, err := citizen.NewGuard(s, d.Accounts)
	if err != nil {
		return err
	}
	h := &handlers{s: s, d: d, guard: g, now: d.Clock}
	if h.now == nil {
		h.now = digitalid.SystemClock
	}
	for _, rt := range d.Provider.Routes() {
		var opts []web.RouteOption
		if rt.CrossOrigin {
			opts = append(opts, web.CrossOrigin())
		}
		s.Handle(rt.Pattern, rt.Handler, opts...)
	}
	s.Page("GET "+oidc.ConsentPath+"/{id}", g.Page(h.consentPage))
	s.Page("POST "+oidc.ConsentPath+"/{id}", g.Page(h.consentAnswer))
	s.Page("GET /account/consents", g.Page(h.consentsPage))
	s.Page("POST /account/consents/{id}/revoke", g.Page(h.revokePage))
	s.API("GET /api/v1/consents", g.API(h.listConsents))
	s.API("GET /api/v1/consents/{id}", g.API(h.getConsent))
	s.API("DELETE /api/v1/consents/{id}", g.API(h.deleteConsent))
	s.API("GET /api/v1/rp/documents", h.documents)
	return nil
}

// client is who sent r, for the audit log.
func client(r *http.Request) (ip, requestID string) {
	return web.ClientIP(r), web.RequestID(r.Context())
}
