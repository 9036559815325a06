package citizen

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// Passkeys over the JSON API. Every ceremony is two calls: begin returns
// the WebAuthn options (the inner JSON a browser passes to
// PublicKeyCredential.parseCreationOptionsFromJSON or
// parseRequestOptionsFromJSON) with a ceremony id; finish takes that id and
// the authenticator's answer (credential.toJSON()). Ceremonies live in the
// database, so begin and finish may reach different instances.

// ceremonyJSON is the answer to a begin call.
type ceremonyJSON struct {
	CeremonyID string          `json:"ceremony_id"`
	Options    json.RawMessage `json:"options"`
}

// finishRequest is the body of every finish call.
type finishRequest struct {
	CeremonyID string          `json:"ceremony_id"`
	Response   json.RawMessage `json:"response"`
	Name       string          `json:"name"`   // registration: the passkey's name; default the device's
	Cookie     bool            `json:"cookie"` // sign-in from a browser: keep the session in the HttpOnly cookie
}

// passkeyBeginRequest is the body of POST /api/v1/auth/passkey/begin.
type passkeyBeginRequest struct {
	Phone string `json:"phone"` // optional: offer only this account's passkeys
}

// passkeyJSON is a passkey as the API shows it.
type passkeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	DeviceID   string     `json:"device_id"`
	Synced     bool       `json:"synced"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	BlockedAt  *time.Time `json:"blocked_at,omitempty"`
}

func newPasskeyJSON(p account.Passkey) passkeyJSON {
	return passkeyJSON{ID: p.ID, Name: p.Name, DeviceID: p.DeviceID, Synced: p.Synced, CreatedAt: p.CreatedAt,
		LastUsedAt: optTime(p.LastUsedAt), BlockedAt: optTime(p.DeviceBlockedAt)}
}

// passkeys returns the passkey service, or EUNAVAILABLE when the server runs
// without a relying party (no public URL).
func (h *handlers) passkeys() (*account.Passkeys, error) {
	if h.acc.Passkeys == nil {
		return nil, &digitalid.Error{Code: digitalid.EUNAVAILABLE, Key: "citizen.passkey.disabled",
			Message: "Passkeys are not enabled on this server."}
	}
	return h.acc.Passkeys, nil
}

// decodeFinish reads a finish body; the account service checks the
// response's size and content.
func decodeFinish(r *http.Request) (finishRequest, error) {
	var req finishRequest
	err := web.DecodeJSON(r, &req)
	return req, err
}

// begun writes the answer to a begin call.
func begun(w http.ResponseWriter, options json.RawMessage, id string, err error) error {
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, ceremonyJSON{CeremonyID: id, Options: options})
}

// apiBeginRegistration starts adding a passkey; it needs a recent
// re-authentication (403 account.reauth_required otherwise).
func (h *handlers) apiBeginRegistration(w http.ResponseWriter, r *http.Request, a Auth) error {
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	options, id, err := pk.BeginRegistration(r.Context(), a.Session)
	return begun(w, options, id, err)
}

func (h *handlers) apiFinishRegistration(w http.ResponseWriter, r *http.Request, a Auth) error {
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	req, err := decodeFinish(r)
	if err != nil {
		return err
	}
	p, err := pk.FinishRegistration(r.Context(), a.Session, req.CeremonyID, req.Response, req.Name, client(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, newPasskeyJSON(p))
}

// passkeyList returns the citizen's passkeys as the API shows them.
func (h *handlers) passkeyList(r *http.Request, a Auth) ([]passkeyJSON, error) {
	pk, err := h.passkeys()
	if err != nil {
		return nil, err
	}
	list, err := pk.List(r.Context(), a.Citizen.ID)
	if err != nil {
		return nil, err
	}
	out := make([]passkeyJSON, 0, len(list))
	for _, p := range list {
		out = append(out, newPasskeyJSON(p))
	}
	return out, nil
}

func (h *handlers) apiPasskeys(w http.ResponseWriter, r *http.Request, a Auth) error {
	list, err := h.passkeyList(r, a)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]passkeyJSON{"passkeys": list})
}

func (h *handlers) apiRenamePasskey(w http.ResponseWriter, r *http.Request, a Auth) error {
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	var req renameRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := pk.Rename(r.Context(), a.Session, id, req.Name, client(r)); err != nil {
		return err
	}
	list, err := h.passkeyList(r, a)
	if err != nil {
		return err
	}
	for _, p := range list {
		if p.ID == id {
			return web.WriteJSON(w, http.StatusOK, p)
		}
	}
	return &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "account.passkey.not_found", Message: "There is no such passkey."}
}

// apiRemovePasskey removes a passkey; it needs a recent re-authentication.
func (h *handlers) apiRemovePasskey(w http.ResponseWriter, r *http.Request, a Auth) error {
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	if err := pk.Remove(r.Context(), a.Session, r.PathValue("id"), client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiBeginPasskeySignIn starts a sign-in: usernameless, or for the phone
// number given. The answer does not tell whether the number has an account.
func (h *handlers) apiBeginPasskeySignIn(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	var req passkeyBeginRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Phone == "" {
		options, id, err := pk.BeginLogin(r.Context())
		return begun(w, options, id, err)
	}
	phone, err := h.phone(req.Phone)
	if err != nil {
		return err
	}
	options, id, err := pk.BeginLoginForPhone(r.Context(), phone)
	return begun(w, options, id, err)
}

// apiFinishPasskeySignIn signs in with a passkey and answers as any
// sign-in. With "cookie": true (the site's own script) the session goes
// into the HttpOnly session cookie and its token is left out of the body.
func (h *handlers) apiFinishPasskeySignIn(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	req, err := decodeFinish(r)
	if err != nil {
		return err
	}
	res, err := pk.FinishLogin(r.Context(), req.CeremonyID, req.Response, client(r))
	if err != nil {
		return err
	}
	out := signInResponse(res)
	if req.Cookie {
		h.startSession(w, res)
		out.SessionToken = ""
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (h *handlers) apiBeginPasskeyReauth(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.allow(r); err != nil {
		return err
	}
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	options, id, err := pk.BeginReauthentication(r.Context(), a.Session)
	return begun(w, options, id, err)
}

func (h *handlers) apiFinishPasskeyReauth(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.allow(r); err != nil {
		return err
	}
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	req, err := decodeFinish(r)
	if err != nil {
		return err
	}
	s, err := pk.Reauthenticate(r.Context(), a.Session, req.CeremonyID, req.Response, client(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, reauthJSON{ReauthAt: s.ReauthAt, ValidUntil: s.ReauthAt.Add(account.ReauthMaxAge)})
}
