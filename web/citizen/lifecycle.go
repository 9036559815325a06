package citizen

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// routeLifecycle registers the account's life: deletion (with its 30-day
// restore window), restore, and phone change, as API routes (described in
// openapi-lifecycle.json until merged into web/openapi.json) and pages.
func (h *handlers) routeLifecycle() {
	api := func(pattern string, fn web.HandlerFunc, opts ...web.RouteOption) {
		h.s.API(pattern, h.withRetry(fn), opts...)
	}
	api("DELETE /api/v1/me", h.api(h.apiDeleteAccount))
	api("POST /api/v1/auth/restore/otp", h.apiRestoreCode)
	api("POST /api/v1/auth/restore/challenge", h.apiRestoreChallenge) // restore_check.go
	api("POST /api/v1/auth/restore", h.apiRestore, web.MaxBody(uploadLimit))
	api("POST /api/v1/me/phone", h.api(h.apiBeginPhoneChange))
	api("POST /api/v1/me/phone/confirm", h.api(h.apiConfirmPhoneChange))
	page := func(pattern string, fn web.HandlerFunc, opts ...web.RouteOption) {
		h.s.Page(pattern, h.withRetry(fn), opts...)
	}
	page("GET /account/delete", h.page(h.deletePage))
	page("POST /account/delete", h.page(h.deleteAccount))
	page("GET /account/phone", h.page(h.phonePage))
	page("POST /account/phone", h.page(h.beginPhoneChange))
	page("POST /account/phone/confirm", h.page(h.confirmPhoneChange))
	page("GET /restore", h.restorePage)
	page("POST /restore/phone", h.restorePhone)
	page("POST /restore/code", h.restoreCodeStep)  // restore_check.go
	page("GET /restore/check", h.restoreCheckPage) // restore_check.go
	page("POST /restore/confirm", h.restoreConfirm, web.MaxBody(uploadLimit))
}

// apiDeleteAccount deletes the signed-in citizen's account (restorable for
// account.RestoreWindow). It needs a recent re-authentication: 403 with
// key account.reauth_required otherwise.
func (h *handlers) apiDeleteAccount(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.acc.DeleteAccount(r.Context(), a.Session, client(r)); err != nil {
		return err
	}
	h.cookies.clear(w, h.cookies.session)
	return web.WriteJSON(w, http.StatusOK, map[string]time.Time{"restore_until": h.now().Add(account.RestoreWindow)})
}

type restoreCodeRequest struct {
	Phone string `json:"phone"`
	Lang  string `json:"lang"` // of the SMS; default: the request's language
}

// apiRestoreCode texts a restore code when the number has a deleted
// account; the answer is the same for every number.
func (h *handlers) apiRestoreCode(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req restoreCodeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	sent, err := h.restoreCode(r, req.Phone, req.Lang)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, map[string]time.Time{"expires_at": sent.ExpiresAt})
}

func (h *handlers) restoreCode(r *http.Request, raw, lang string) (account.CodeSent, error) {
	phone, err := h.phone(raw)
	if err != nil {
		return account.CodeSent{}, err
	}
	if lang == "" {
		lang = h.s.Lang(r)
	}
	return h.acc.RequestRestoreCode(r.Context(), account.CodeRequest{Phone: phone, Lang: lang})
}

// restoreRequest is the body of POST /api/v1/auth/restore: the proof of a
// restore code (or the number and the code), the PIN, the birth date when
// the account needs it, and — multipart/form-data only — the challenge and
// the photo of the face re-check (restore_check.go).
type restoreRequest struct {
	Phone      string `json:"phone"`
	Code       string `json:"code"`
	Proof      string `json:"proof"`
	PIN        string `json:"pin"`
	BirthDate  string `json:"birth_date"`
	DeviceName string `json:"device_name"`
	Challenge  string `json:"-"`
	Image      []byte `json:"-"`
}

// apiRestore restores a deleted account with the restore code's proof and
// the identity re-check, and signs in on a new device.
func (h *handlers) apiRestore(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	req, err := readRestore(r, false)
	if err != nil {
		return err
	}
	res, err := h.restore(r, req)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, signInResponse(res))
}

// restore checks the code unless a proof is given, then restores with the
// proof and the re-check's answers.
func (h *handlers) restore(r *http.Request, req restoreRequest) (account.SignInResult, error) {
	if req.Proof == "" {
		p, err := h.restoreProof(r, req.Phone, req.Code)
		if err != nil {
			return account.SignInResult{}, err
		}
		req.Proof = p.Token
	}
	if req.DeviceName == "" {
		req.DeviceName = deviceNameFrom(r.UserAgent())
	}
	return h.acc.RestoreAccount(r.Context(), account.RestoreRequest{
		OTPProof: req.Proof, PIN: req.PIN, BirthDate: req.BirthDate, Challenge: req.Challenge, Image: req.Image,
		DeviceName: req.DeviceName, Client: client(r),
	})
}

type phoneChangeBegin struct {
	Phone        string `json:"phone"`
	OldPhoneLost bool   `json:"old_phone_lost"`
}

// apiBeginPhoneChange texts the codes of a phone change; the answer is the
// same whether or not the new number has an account.
func (h *handlers) apiBeginPhoneChange(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req phoneChangeBegin
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	phone, err := h.phone(req.Phone)
	if err != nil {
		return err
	}
	sent, err := h.acc.BeginPhoneChange(r.Context(), a.Session, account.PhoneChangeStart{NewPhone: phone, OldPhoneLost: req.OldPhoneLost})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, map[string]time.Time{"expires_at": sent.ExpiresAt})
}

type phoneChangeConfirm struct {
	Phone             string          `json:"phone"`
	NewCode           string          `json:"new_code"`
	OldCode           string          `json:"old_code"`
	PIN               string          `json:"pin"`
	PasskeyCeremonyID string          `json:"passkey_ceremony_id"`
	PasskeyResponse   json.RawMessage `json:"passkey_response"`
}

// apiConfirmPhoneChange completes a phone change with both codes, or with
// the new code, the PIN and a passkey assertion (options from
// POST /api/v1/auth/reauth/passkey/begin).
func (h *handlers) apiConfirmPhoneChange(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req phoneChangeConfirm
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	c, err := h.confirmPhone(r, a, req)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]string{"phone": maskPhone(c.Phone)})
}

func (h *handlers) confirmPhone(r *http.Request, a Auth, req phoneChangeConfirm) (account.Citizen, error) {
	phone, err := h.phone(req.Phone)
	if err != nil {
		return account.Citizen{}, err
	}
	return h.acc.ConfirmPhoneChange(r.Context(), a.Session, account.PhoneChangeRequest{
		NewPhone: phone, NewCode: req.NewCode, OldCode: req.OldCode, PIN: req.PIN,
		PasskeyCeremonyID: req.PasskeyCeremonyID, PasskeyResponse: req.PasskeyResponse, Client: client(r),
	})
}
