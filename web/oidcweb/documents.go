package oidcweb

import (
	"net/http"

	jose "github.com/go-jose/go-jose/v4"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/sdjwt"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
)

// rpDocumentJSON is a granted document as a relying party receives it:
// the fields, and the issuer's JWS over the document as the issuer sent
// it, which the relying party verifies with the issuer's published keys.
type rpDocumentJSON struct {
	ID              string         `json:"id"`
	Type            string         `json:"type"`
	Version         int            `json:"version"`
	Status          string         `json:"status"`
	Source          string         `json:"source"`
	Issuer          string         `json:"issuer,omitempty"`
	ExpiresOn       string         `json:"expires_on,omitempty"`
	UpdatedAt       time.Time      `json:"updated_at"`
	Fields          map[string]any `json:"fields"`
	IssuerSignature string         `json:"issuer_signature,omitempty"`
	// SDJWT is, with ?format=sd-jwt, an SD-JWT VC (RFC 9901) signed by the
	// platform holding exactly the granted document's claims, all disclosed.
	SDJWT string `json:"sd_jwt,omitempty"`
}

// rpAttestationJSON is a derived attestation (age_over_18, ...) granted
// by an attestation scope: the derived fact only, never the document.
type rpAttestationJSON struct {
	Type       string         `json:"type"`
	Claims     map[string]any `json:"claims"`
	ValidUntil *time.Time     `json:"valid_until,omitempty"`
}

type rpDocumentsJSON struct {
	Subject      string              `json:"sub"`
	Scopes       []string            `json:"scopes"`
	Documents    []rpDocumentJSON    `json:"documents"`
	Attestations []rpAttestationJSON `json:"attestations"`
}

// bearer returns the access token of the Authorization header.
func bearer(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "Bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

// documents is GET /api/v1/rp/documents: the valid documents of the types
// the consent behind the access token grants. Each read is recorded on the
// citizen's audit chain (vault.ReadForParty) before it is returned.
func (h *handlers) documents(w http.ResponseWriter, r *http.Request) error {
	tok := bearer(r)
	if tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="digitalid"`)
		return &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "oidc.error.no_token", Message: "An access token is required."}
	}
	t, c, err := h.d.Provider.AccessToken(r.Context(), tok)
	if err != nil {
		code := digitalid.ErrorCode(err)
		if code != digitalid.ENOTFOUND && code != digitalid.EFORBIDDEN {
			return err
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="digitalid", error="invalid_token"`)
		return &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "oidc.error.invalid_token",
			Message: "The access token is not valid: it has expired or its consent was revoked."}
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && (format != "sd-jwt" || h.d.Signer == nil) {
		return digitalid.Errorf(digitalid.EINVALID, "format must be json or sd-jwt")
	}
	types := map[string]bool{}
	for _, sc := range t.Scopes {
		if typ, ok := oidc.DocumentType(sc); ok && contains(c.Scopes, sc) {
			types[typ] = true
		}
	}
	out := rpDocumentsJSON{Subject: t.Subject, Scopes: t.Scopes, Documents: []rpDocumentJSON{}, Attestations: []rpAttestationJSON{}}
	if err := h.attestations(r, t.Scopes, c.Scopes, t, &out); err != nil {
		return err
	}
	if len(types) > 0 {
		list, err := h.d.Vault.List(r.Context(), t.CitizenID)
		if err != nil {
			return err
		}
		actor := audit.Actor{Type: audit.ActorRelyingParty, ID: t.ClientID}
		for _, d := range list {
			if !types[d.TypeID] || d.Status != vault.StatusValid {
				continue
			}
			full, err := h.d.Vault.ReadForParty(r.Context(), actor, t.CitizenID, d.ID, "consent:"+c.ID)
			if err != nil {
				return err
			}
			j := rpDocumentJSON{ID: full.ID, Type: full.TypeID, Version: full.Version, Status: string(full.Status),
				Source: string(full.Source), Issuer: full.IssuerID, UpdatedAt: full.UpdatedAt,
				Fields: full.Fields.Values, IssuerSignature: full.IssuerSignature}
			if !full.ExpiresOn.IsZero() {
				j.ExpiresOn = full.ExpiresOn.Format(time.DateOnly)
			}
			if format == "sd-jwt" {
				if j.SDJWT, err = h.sdJWT(r, t, full); err != nil {
					return err
				}
			}
			out.Documents = append(out.Documents, j)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.WriteJSON(w, http.StatusOK, out)
}

// attestations adds the granted attestations the citizen holds; each is
// recorded on the citizen's audit chain before it is returned.
func (h *handlers) attestations(r *http.Request, scopes, granted []string, t oidc.Token, out *rpDocumentsJSON) error {
	want := map[string]bool{}
	for _, sc := range scopes {
		if h.d.OIDC.IsAttestation(sc) && contains(granted, sc) {
			want[sc] = true
		}
	}
	if len(want) == 0 || h.d.Attestations == nil {
		return nil
	}
	as, err := h.d.Attestations.Attestations(r.Context(), t.CitizenID)
	if err != nil {
		return err
	}
	ip, rid := client(r)
	for _, a := range as {
		if !want[a.Type] {
			continue
		}
		if err := h.d.OIDC.RecordAttestationRead(r.Context(), t, a.Type, ip, rid); err != nil {
			return err
		}
		j := rpAttestationJSON{Type: a.Type, Claims: a.Claims}
		if !a.ValidUntil.IsZero() {
			v := a.ValidUntil
			j.ValidUntil = &v
		}
		out.Attestations = append(out.Attestations, j)
	}
	return nil
}

// VCTPrefix starts the vct of a document's SD-JWT VC: the vault type id
// follows.
const VCTPrefix = "urn:digitalid:document:"

// sdJWT issues the document as an SD-JWT VC signed by the platform — iss
// the public URL, sub the pairwise subject, short-lived — with each field
// selectively disclosable under "document", and presents it with exactly
// the granted fields disclosed (a document scope grants all of them). The
// relying party verifies it with /.well-known/jwks.json; the issuer's own
// signature stays in issuer_signature.
func (h *handlers) sdJWT(r *http.Request, t oidc.Token, d vault.Document) (string, error) {
	signer, err := h.d.Signer.Signer(r.Context(), keys.ES256)
	if err != nil {
		return "", err
	}
	now := h.now()
	fields := map[string]any{}
	var paths []sdjwt.Path
	for name, v := range d.Fields.Values {
		fields[name] = v
		paths = append(paths, sdjwt.Path{"document", name})
	}
	claims := map[string]any{"iss": h.s.PublicURL(), "sub": t.Subject, "vct": VCTPrefix + d.TypeID, "iat": now.Unix(),
		"exp": now.Add(10 * time.Minute).Unix(), "document": fields}
	if d.IssuerID != "" {
		claims["document_issuer"] = d.IssuerID
	}
	sd, err := sdjwt.Issue(claims, paths, sdjwt.IssueOptions{Signer: signer, Alg: jose.ES256, KeyID: signer.KeyID()})
	if err != nil {
		return "", digitalid.Wrap(digitalid.EINTERNAL, err, "issue the SD-JWT VC")
	}
	granted := sdjwt.Select(paths...)
	pres, err := sdjwt.Present(sd, granted, nil)
	if err != nil {
		return "", digitalid.Wrap(digitalid.EINTERNAL, err, "present the SD-JWT VC")
	}
	return pres, nil
}
