// Package credentialapi is the HTTP face of package credential: the signed-in
// citizen's wallet fetches batches of single-use digital ID credentials and
// reads whether they may have one; anyone fetches the platform's Token Status
// Lists at /status/{list}.
package credentialapi

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// MaxBodyBytes bounds an issuance request: MaxBatch JWKs of at most 1 KiB.
const MaxBodyBytes = 32 << 10

// Deps are the API's collaborators; Credentials and Accounts are required.
type Deps struct {
	Credentials *credential.Service
	Accounts    *account.Service
	Logger      *slog.Logger
}

type api struct {
	s     *web.Server
	svc   *credential.Service
	guard *citizen.Guard
	log   *slog.Logger
}

// Register adds the credential routes to s.
func Register(s *web.Server, deps Deps) error {
	if deps.Credentials == nil || deps.Accounts == nil {
		return digitalid.Errorf(digitalid.EINVALID, "credentialapi: the credential and account services are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	g, err := citizen.NewGuard(s, deps.Accounts)
	if err != nil {
		return err
	}
	a := &api{s: s, svc: deps.Credentials, guard: g, log: deps.Logger}
	s.API("POST /api/v1/id/credentials", g.API(a.issue), web.MaxBody(MaxBodyBytes))
	s.API("GET /api/v1/id/eligibility", g.API(a.eligibility))
	s.API("GET /status/{list}", a.status, web.CrossOrigin())
	return nil
}

// IssueRequest is the body of POST /api/v1/id/credentials.
type IssueRequest struct {
	Type       string            `json:"type"`
	HolderKeys []json.RawMessage `json:"holder_keys"`
}

// IssueResponse is its answer.
type IssueResponse struct {
	Type        string    `json:"type"`
	Credentials []string  `json:"credentials"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// ParseIssueRequest reads and checks an issuance body already decoded as
// JSON: a known type and 1 to MaxBatch public P-256 JWKs.
func ParseIssueRequest(b IssueRequest) (string, []*ecdsa.PublicKey, error) {
	if !credential.KnownType(b.Type) {
		return "", nil, &digitalid.Error{Code: digitalid.EINVALID, Key: "credential.error.unknown_type", Message: "Unknown credential type.",
			Fields: []digitalid.FieldError{{Field: "type", Code: "unknown", Key: "credential.error.unknown_type",
				Message: "Choose one of age_over_14, age_over_18, age_over_21, student, large_family."}}}
	}
	keys, err := credential.ParseHolderKeys(b.HolderKeys)
	return b.Type, keys, err
}

func (a *api) issue(w http.ResponseWriter, r *http.Request, au citizen.Auth) error {
	var b IssueRequest
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	t, keys, err := ParseIssueRequest(b)
	if err != nil {
		return err
	}
	batch, err := a.svc.Issue(r.Context(), au.Citizen.ID, au.Session.DeviceID, t, keys)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.WriteJSON(w, http.StatusOK, IssueResponse{Type: t, Credentials: batch.Credentials, ExpiresAt: batch.ExpiresAt})
}

// ReasonJSON is one reason a citizen may not have a digital ID.
type ReasonJSON struct {
	Key     string `json:"key"`
	Message string `json:"message"`
}

// EligibilityResponse answers GET /api/v1/id/eligibility.
type EligibilityResponse struct {
	Eligible bool         `json:"eligible"`
	Reasons  []ReasonJSON `json:"reasons"`
	// Types are the attestation types the citizen's confirmed documents
	// support now (empty unless eligible).
	Types []string `json:"types"`
}

func (a *api) eligibility(w http.ResponseWriter, r *http.Request, au citizen.Auth) error {
	el, err := a.svc.Eligibility(r.Context(), au.Citizen.ID)
	if err != nil {
		return err
	}
	out := EligibilityResponse{Eligible: el.Eligible, Reasons: []ReasonJSON{}, Types: []string{}}
	for _, reason := range el.Reasons {
		msg := a.s.T(r, reason.Key)
		if msg == "" || msg == reason.Key {
			msg = reason.Message
		}
		out.Reasons = append(out.Reasons, ReasonJSON{Key: reason.Key, Message: msg})
	}
	if el.Eligible {
		as, err := a.svc.Attestations(r.Context(), au.Citizen.ID)
		if err != nil {
			return err
		}
		for _, at := range as {
			out.Types = append(out.Types, at.Type)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.WriteJSON(w, http.StatusOK, out)
}

// status serves a Status List Token: cacheable for its ttl, with a strong
// ETag so a verifier's revalidation costs a 304.
func (a *api) status(w http.ResponseWriter, r *http.Request) error {
	id, err := credential.ParseListID(r.PathValue("list"))
	if err != nil {
		return err
	}
	tok, err := a.svc.StatusToken(r.Context(), id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(tok.TTL/time.Second)))
	h.Set("ETag", tok.ETag)
	h.Set("Last-Modified", tok.IssuedAt.UTC().Format(http.TimeFormat))
	h.Set("Access-Control-Allow-Origin", "*")
	if etagMatch(r.Header.Get("If-None-Match"), tok.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", credential.MediaTypeStatusList)
	h.Set("Content-Length", strconv.Itoa(len(tok.Token)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = w.Write([]byte(tok.Token))
	if err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		a.log.DebugContext(r.Context(), "status list write failed", "err", err)
	}
	return nil
}

// etagMatch reports whether an If-None-Match header names etag (or "*").
func etagMatch(header, etag string) bool {
	for header != "" {
		var tag string
		tag, header = nextTag(header)
		if tag == "*" || tag == etag || tag == "W/"+etag {
			return true
		}
	}
	return false
}

func nextTag(h string) (string, string) {
	for len(h) > 0 && (h[0] == ' ' || h[0] == ',' || h[0] == '\t') {
		h = h[1:]
	}
	end := 0
	inQuote := false
	for end < len(h) {
		c := h[end]
		if c == '"' {
			inQuote = !inQuote
		} else if c == ',' && !inQuote {
			break
		}
		end++
	}
	tag := h[:end]
	for len(tag) > 0 && (tag[len(tag)-1] == ' ' || tag[len(tag)-1] == '\t') {
		tag = tag[:len(tag)-1]
	}
	return tag, h[end:]
}
