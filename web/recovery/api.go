package recovery

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/digitalid/digitalid/account"
	domain "github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

type contactJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	InvitedAt  time.Time  `json:"invited_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func contactOf(c domain.Contact) contactJSON {
	return contactJSON{ID: c.ID, Name: c.Name, Status: string(c.Status), InvitedAt: c.InvitedAt, ExpiresAt: c.ExpiresAt,
		AcceptedAt: timePtr(c.AcceptedAt), EndedAt: timePtr(c.EndedAt)}
}

type contactsJSON struct {
	Contacts        []contactJSON `json:"contacts"`
	Max             int           `json:"max"`
	CoolingOffUntil *time.Time    `json:"cooling_off_until,omitempty"`
	Recovery        *requestJSON  `json:"recovery,omitempty"` // an ongoing recovery of this account
}

func (h *handlers) apiContacts(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	list, err := h.rec.Contacts(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	out := contactsJSON{Contacts: []contactJSON{}, Max: domain.MaxContacts}
	for _, c := range list {
		out.Contacts = append(out.Contacts, contactOf(c))
	}
	until, active, err := h.rec.CoolingOff(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	if active {
		out.CoolingOffUntil = &until
	}
	if req, ok, err := h.rec.Ongoing(r.Context(), a.Citizen.ID); err != nil {
		return err
	} else if ok {
		out.Recovery = &requestJSON{ID: req.ID, Status: string(req.Status), Reason: req.Reason, CreatedAt: req.CreatedAt, ExpiresAt: req.ExpiresAt}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

type inviteRequest struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// apiInvite answers 202 with the pending invitation whatever the number.
func (h *handlers) apiInvite(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	var req inviteRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	c, err := h.invite(r, a, req)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, contactOf(c))
}

func (h *handlers) invite(r *http.Request, a citizen.Auth, req inviteRequest) (domain.Contact, error) {
	phone, err := h.phone(req.Phone)
	if err != nil {
		return domain.Contact{}, err
	}
	return h.rec.Invite(r.Context(), a.Session, domain.Invitation{Name: req.Name, Phone: phone}, citizen.Client(r))
}

func (h *handlers) apiRemove(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return noContent(w, h.rec.Remove(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r)))
}

type trustJSON struct {
	ID         string     `json:"id"`
	Phone      string     `json:"phone"`
	Status     string     `json:"status"`
	InvitedAt  time.Time  `json:"invited_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
}

func (h *handlers) apiTrusts(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	list, err := h.rec.Trusts(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	out := []trustJSON{}
	for _, t := range list {
		out = append(out, trustJSON{ID: t.ID, Phone: t.Phone, Status: string(t.Status), InvitedAt: t.InvitedAt,
			ExpiresAt: t.ExpiresAt, AcceptedAt: timePtr(t.AcceptedAt)})
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]trustJSON{"trusts": out})
}

func (h *handlers) apiAccept(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return noContent(w, h.rec.Accept(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r)))
}

func (h *handlers) apiDecline(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return noContent(w, h.rec.Decline(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r)))
}

func (h *handlers) apiLeave(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return noContent(w, h.rec.Leave(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r)))
}

func noContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type approvalJSON struct {
	ID        string    `json:"id"`
	Phone     string    `json:"phone"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Network   string    `json:"network,omitempty"`
	Browser   string    `json:"browser,omitempty"`
}

func approvalOf(a domain.Approval) approvalJSON {
	return approvalJSON{ID: a.ID, Phone: a.Phone, Reason: a.Reason, CreatedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt,
		Network: a.Origin.Network, Browser: a.Origin.Browser}
}

func (h *handlers) apiApprovals(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	list, err := h.rec.Approvals(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	out := []approvalJSON{}
	for _, x := range list {
		out = append(out, approvalOf(x))
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]approvalJSON{"approvals": out})
}

func (h *handlers) apiApproval(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	x, err := h.rec.Approval(r.Context(), a.Citizen.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, approvalOf(x))
}

func (h *handlers) apiApprovalCode(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	exp, err := h.rec.SendApprovalCode(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, map[string]time.Time{"expires_at": exp})
}

type codeRequest struct {
	Code string `json:"code"`
}

func (h *handlers) apiApprove(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	var req codeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	return noContent(w, h.rec.Approve(r.Context(), a.Session, r.PathValue("id"), req.Code, citizen.Client(r)))
}

func (h *handlers) apiReject(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return noContent(w, h.rec.Reject(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r)))
}

type startCodeRequest struct {
	Phone string `json:"phone"`
	Lang  string `json:"lang"`
}

// apiStartCode texts a recovery code when the number has an active
// account; the answer is the same for every number.
func (h *handlers) apiStartCode(w http.ResponseWriter, r *http.Request) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	var req startCodeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	sent, err := h.startCodeFor(r, req.Phone, req.Lang)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, map[string]time.Time{"expires_at": sent.ExpiresAt})
}

func (h *handlers) startCodeFor(r *http.Request, raw, lang string) (account.CodeSent, error) {
	phone, err := h.phone(raw)
	if err != nil {
		return account.CodeSent{}, err
	}
	if lang == "" {
		lang = h.s.Lang(r)
	}
	return h.acc.OTPs.RequestCode(r.Context(), account.CodeRequest{Phone: phone, Purpose: account.PurposeRecovery, Lang: lang})
}

type startRequest struct {
	Phone  string `json:"phone"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

type startedJSON struct {
	ID        string    `json:"id"`
	Handle    string    `json:"handle"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiStart checks the code and opens the request; the handle in the answer
// authenticates the following calls.
func (h *handlers) apiStart(w http.ResponseWriter, r *http.Request) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	var req startRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	st, err := h.start(r, req)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, startedJSON{ID: st.ID, Handle: st.Handle, ExpiresAt: st.ExpiresAt})
}

func (h *handlers) start(r *http.Request, req startRequest) (domain.Started, error) {
	phone, err := h.phone(req.Phone)
	if err != nil {
		return domain.Started{}, err
	}
	p, err := h.acc.OTPs.Verify(r.Context(), phone, account.PurposeRecovery, req.Code)
	if err != nil {
		return domain.Started{}, err
	}
	return h.rec.Start(r.Context(), domain.StartRequest{Proof: p.Token, Reason: req.Reason, Client: citizen.Client(r), UserAgent: r.UserAgent()})
}

type requestJSON struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (h *handlers) apiStatus(w http.ResponseWriter, r *http.Request) error {
	handle, err := bearerHandle(r)
	if err != nil {
		return err
	}
	st, err := h.rec.Status(r.Context(), r.PathValue("id"), handle)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, requestJSON{ID: st.ID, Status: string(st.Status), Reason: st.Reason, CreatedAt: st.CreatedAt, ExpiresAt: st.ExpiresAt})
}

func (h *handlers) apiCancel(w http.ResponseWriter, r *http.Request) error {
	handle, err := bearerHandle(r)
	if err != nil {
		return err
	}
	return noContent(w, h.rec.Cancel(r.Context(), r.PathValue("id"), handle, citizen.Client(r)))
}

func (h *handlers) apiOwnCode(w http.ResponseWriter, r *http.Request) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	handle, err := bearerHandle(r)
	if err != nil {
		return err
	}
	exp, err := h.rec.SendOwnCode(r.Context(), r.PathValue("id"), handle)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, map[string]time.Time{"expires_at": exp})
}

func (h *handlers) apiPasskey(w http.ResponseWriter, r *http.Request) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	handle, err := h.handleFor(r)
	if err != nil {
		return err
	}
	opts, ceremony, err := h.rec.BeginPasskey(r.Context(), r.PathValue("id"), handle)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"options": opts, "ceremony_id": ceremony})
}

type completeRequest struct {
	Method     string          `json:"method"`
	Code       string          `json:"code"`
	CeremonyID string          `json:"ceremony_id"`
	Response   json.RawMessage `json:"response"`
	PIN        string          `json:"pin"`
}

func (h *handlers) apiComplete(w http.ResponseWriter, r *http.Request) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	handle, err := bearerHandle(r)
	if err != nil {
		return err
	}
	var req completeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	until, err := h.rec.Complete(r.Context(), domain.CompleteRequest{ID: r.PathValue("id"), Handle: handle, Method: req.Method,
		Code: req.Code, CeremonyID: req.CeremonyID, Response: req.Response, PIN: req.PIN, Client: citizen.Client(r)})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]time.Time{"cooling_off_until": until})
}

// apiCancelOwn cancels a recovery of the signed-in citizen's own account.
func (h *handlers) apiCancelOwn(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return noContent(w, h.rec.CancelOwn(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r)))
}
