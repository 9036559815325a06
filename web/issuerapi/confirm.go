package issuerapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/web"
)

// routeConfirm adds the routes through which a registry answers citizens'
// requests to confirm a self-declared passport (issuer.Service.Pending and
// Decide).
func (a *api) routeConfirm(s *web.Server) {
	s.API("GET /api/v1/issuer/confirmations", a.pending, web.CrossOrigin())
	s.API("POST /api/v1/issuer/confirmations/{id}", a.decide, web.CrossOrigin(), web.MaxBody(MaxBodyBytes))
}

// ConfirmationResponse is a request as the issuer API shows it; Fields
// (the data the citizen submitted) only in the pending list.
type ConfirmationResponse struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Status     string         `json:"status"`
	Reason     string         `json:"reason,omitempty"`
	DocumentID string         `json:"document_id,omitempty"` // the issuer's document, once confirmed
	CreatedAt  time.Time      `json:"created_at"`
	DecidedAt  *time.Time     `json:"decided_at,omitempty"`
	Fields     map[string]any `json:"fields,omitempty"`
}

func confirmationResponse(c issuer.Confirmation) ConfirmationResponse {
	out := ConfirmationResponse{ID: c.ID, Type: c.Type, Status: string(c.Status), Reason: c.Reason,
		DocumentID: c.IssuerDocumentID, CreatedAt: c.CreatedAt}
	if !c.DecidedAt.IsZero() {
		t := c.DecidedAt
		out.DecidedAt = &t
	}
	return out
}

func (a *api) pending(w http.ResponseWriter, r *http.Request) error {
	iss, err := a.authenticate(w, r)
	if err != nil {
		return err
	}
	limit := 0
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			msg := "The limit must be a whole number from 1 to " + strconv.Itoa(issuer.MaxPendingLimit) + "."
			return &digitalid.Error{Code: digitalid.EINVALID, Key: "confirm.error.limit", Message: msg,
				Fields: []digitalid.FieldError{{Field: "limit", Code: "range", Message: msg}}}
		}
		limit = n
	}
	list, err := a.deps.Issuers.Pending(r.Context(), iss, limit)
	if err != nil {
		return err
	}
	out := make([]ConfirmationResponse, 0, len(list))
	for _, p := range list {
		c := confirmationResponse(p.Confirmation)
		c.Fields = p.Fields.Values
		out = append(out, c)
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]ConfirmationResponse{"confirmations": out})
}

// decisionBody is the JSON of a decision.
type decisionBody struct {
	Decision string `json:"decision"`
	Ref      string `json:"ref,omitempty"`
	Document string `json:"document,omitempty"`
	Photo    string `json:"photo,omitempty"` // base64 of a JPEG or PNG
	Reason   string `json:"reason,omitempty"`
}

// decodeDecision reads a decision from the request body: the JSON object
// (as web.DecodeJSON accepts it) and its base64 photo. The rest is judged
// by issuer.Service.Decide.
func decodeDecision(r *http.Request) (issuer.Decision, error) {
	var b decisionBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return issuer.Decision{}, err
	}
	photo, err := issuer.DecodePhoto(b.Photo)
	if err != nil {
		return issuer.Decision{}, err
	}
	return issuer.Decision{Kind: b.Decision, Ref: b.Ref, Document: b.Document, Photo: photo, Reason: b.Reason}, nil
}

func (a *api) decide(w http.ResponseWriter, r *http.Request) error {
	iss, err := a.authenticate(w, r)
	if err != nil {
		return err
	}
	dec, err := decodeDecision(r)
	if err != nil {
		return err
	}
	c, err := a.deps.Issuers.Decide(r.Context(), iss, r.PathValue("id"), dec)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, confirmationResponse(c))
}
