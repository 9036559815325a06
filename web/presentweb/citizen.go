package presentweb

import (
	"net/http"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// reasonOut is a reason a citizen cannot have a digital ID, in words.
type reasonOut struct {
	Key     string `json:"key"`
	Message string `json:"message"`
}

// purposeOut is a purpose the citizen can prove.
type purposeOut struct {
	Name   string   `json:"name"`
	Label  string   `json:"label"`
	Claims []string `json:"claims"`
}

// overviewOut is GET /api/v1/id.
type overviewOut struct {
	Eligible   bool         `json:"eligible"`
	Reasons    []reasonOut  `json:"reasons"`
	Purposes   []purposeOut `json:"purposes"`
	TTLSeconds int          `json:"ttl_seconds"`
}

func (h *handlers) overview(r *http.Request, a citizen.Auth) (overviewOut, error) {
	o, err := h.p.Overview(r.Context(), a.Citizen.ID)
	if err != nil {
		return overviewOut{}, err
	}
	out := overviewOut{Eligible: o.Eligible, Reasons: []reasonOut{}, Purposes: []purposeOut{}, TTLSeconds: int(h.p.TTL() / time.Second)}
	for _, rs := range o.Reasons {
		out.Reasons = append(out.Reasons, reasonOut{Key: rs.Key, Message: h.text(r, rs.Key, rs.Message)})
	}
	for _, p := range o.Purposes {
		out.Purposes = append(out.Purposes, purposeOut{Name: p.Name, Label: h.s.T(r, "present.purpose."+p.Name), Claims: p.Claims})
	}
	return out, nil
}

func (h *handlers) apiOverview(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	out, err := h.overview(r, a)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// presentationOut is a minted QR code.
type presentationOut struct {
	Payload    string    `json:"payload"`
	Purpose    string    `json:"purpose"`
	ExpiresAt  time.Time `json:"expires_at"`
	TTLSeconds int       `json:"ttl_seconds"`
	QRSVG      string    `json:"qr_svg"`
	QRVersion  int       `json:"qr_version"`
}

func (h *handlers) apiMint(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	var in struct {
		Purpose string `json:"purpose"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.p.Mint(r.Context(), a.Session, in.Purpose)
	if err != nil {
		return err
	}
	qr, err := present.NewQR(p.Payload)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, presentationOut{Payload: p.Payload, Purpose: p.Purpose, ExpiresAt: p.ExpiresAt,
		TTLSeconds: int(p.TTL / time.Second), QRSVG: qr.SVG(), QRVersion: qr.Version})
}

func (h *handlers) apiPortrait(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	img, ctype, err := h.p.Portrait(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(img)
	return err
}

// checkOut is one entry of "who checked what, when".
type checkOut struct {
	present.Check
	PurposeLabel string `json:"purpose_label"`
	ReasonText   string `json:"reason_text,omitempty"`
}

func (h *handlers) checks(r *http.Request, a citizen.Auth) ([]checkOut, error) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, &digitalid.Error{Code: digitalid.EINVALID, Key: "present.error.limit", Message: "The limit must be a number."}
		}
		limit = n
	}
	l, err := h.p.Checks(r.Context(), a.Citizen.ID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]checkOut, len(l))
	for i, c := range l {
		out[i] = checkOut{Check: c, PurposeLabel: h.s.T(r, "present.purpose."+c.Purpose)}
		if c.Reason != "" {
			out[i].ReasonText = h.text(r, "present.reason."+c.Reason, c.Reason)
		}
	}
	return out, nil
}

func (h *handlers) apiChecks(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	l, err := h.checks(r, a)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"checks": l})
}

// showView is the Show ID page.
type showView struct {
	overviewOut
	HasPortrait bool
}

func (h *handlers) showPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	o, err := h.overview(r, a)
	if err != nil {
		return err
	}
	v := showView{overviewOut: o}
	if o.Eligible {
		_, _, perr := h.p.Portrait(r.Context(), a.Citizen.ID)
		v.HasPortrait = perr == nil
	}
	return h.s.Render(w, r, http.StatusOK, "id_show", v)
}

// checksView is the "who checked" page.
type checksView struct {
	Checks []checkRow
}

type checkRow struct {
	checkOut
	When  string
	Valid bool
}

func (h *handlers) checksPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	l, err := h.checks(r, a)
	if err != nil {
		return err
	}
	v := checksView{}
	for _, c := range l {
		v.Checks = append(v.Checks, checkRow{checkOut: c, When: c.Time.UTC().Format("2006-01-02 15:04:05 UTC"), Valid: c.Result == present.Valid})
	}
	return h.s.Render(w, r, http.StatusOK, "id_checks", v)
}
