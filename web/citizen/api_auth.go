package citizen

import (
	"net/http"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// codeRequest is the body of POST /api/v1/auth/otp.
type codeRequest struct {
	Phone   string `json:"phone"`
	Purpose string `json:"purpose"` // signup or signin
	Lang    string `json:"lang"`    // of the SMS; default: the request's language
}

// apiRequestCode texts a one-time code. The answer is the same whether or
// not the number has an account.
func (h *handlers) apiRequestCode(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req codeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	sent, err := h.requestCode(r, req)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, map[string]time.Time{"expires_at": sent.ExpiresAt})
}

// requestCode checks a code request and asks the account service for it.
func (h *handlers) requestCode(r *http.Request, req codeRequest) (account.CodeSent, error) {
	p, err := purpose(req.Purpose)
	if err != nil {
		return account.CodeSent{}, err
	}
	phone, err := h.phone(req.Phone)
	if err != nil {
		return account.CodeSent{}, err
	}
	if req.Lang == "" {
		req.Lang = h.s.Lang(r)
	}
	return h.acc.OTPs.RequestCode(r.Context(), account.CodeRequest{Phone: phone, Purpose: p, Lang: req.Lang})
}

// verifyRequest is the body of POST /api/v1/auth/otp/verify.
type verifyRequest struct {
	Phone   string `json:"phone"`
	Purpose string `json:"purpose"`
	Code    string `json:"code"`
}

// proofJSON is a verified code's proof.
type proofJSON struct {
	Proof     string    `json:"proof"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiVerifyCode checks a code and returns the proof the next step redeems.
func (h *handlers) apiVerifyCode(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req verifyRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	p, err := h.verifyCode(r, req)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, proofJSON{Proof: p.Token, ExpiresAt: p.ExpiresAt})
}

func (h *handlers) verifyCode(r *http.Request, req verifyRequest) (account.Proof, error) {
	p, err := purpose(req.Purpose)
	if err != nil {
		return account.Proof{}, err
	}
	phone, err := h.phone(req.Phone)
	if err != nil {
		return account.Proof{}, err
	}
	return h.acc.OTPs.Verify(r.Context(), phone, p, req.Code)
}

// signUpRequest is the body of POST /api/v1/auth/signup.
type signUpRequest struct {
	Proof      string `json:"proof"`
	PIN        string `json:"pin"`
	DeviceName string `json:"device_name"`
	Lang       string `json:"lang"` // the citizen's language; default: the request's
}

// signInJSON is the answer to a sign-up or sign-in: the tokens, once.
type signInJSON struct {
	SessionToken string      `json:"session_token,omitempty"` // left out when kept in the cookie
	Session      sessionJSON `json:"session"`
	CitizenID    string      `json:"citizen_id"`
	DeviceID     string      `json:"device_id"`
	DeviceToken  string      `json:"device_token,omitempty"`
}

func signInResponse(res account.SignInResult) signInJSON {
	return signInJSON{
		SessionToken: res.SessionToken, Session: newSessionJSON(res.Session, res.Session.ID, ""),
		CitizenID: res.Citizen.ID, DeviceID: res.Device.ID, DeviceToken: res.DeviceToken,
	}
}

func (h *handlers) apiSignUp(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req signUpRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Lang == "" {
		req.Lang = h.s.Lang(r)
	}
	res, err := h.acc.SignUp(r.Context(), account.SignUpRequest{
		OTPProof: req.Proof, PIN: req.PIN, Lang: req.Lang, DeviceName: req.DeviceName, Client: client(r),
	})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, signInResponse(res))
}

// signInRequest is the body of POST /api/v1/auth/signin: the PIN with
// either a device token or the proof of a sign-in code, never alone.
type signInRequest struct {
	Phone       string `json:"phone"`
	PIN         string `json:"pin"`
	DeviceToken string `json:"device_token"`
	Proof       string `json:"proof"`
	DeviceName  string `json:"device_name"`
}

func (h *handlers) apiSignIn(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req signInRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	res, err := h.signIn(r, req)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, signInResponse(res))
}

func (h *handlers) signIn(r *http.Request, req signInRequest) (account.SignInResult, error) {
	phone := ""
	if req.Phone != "" {
		var err error
		if phone, err = h.phone(req.Phone); err != nil {
			return account.SignInResult{}, err
		}
	}
	return h.acc.SignInWithPIN(r.Context(), account.SignInRequest{
		Phone: phone, PIN: req.PIN, DeviceToken: req.DeviceToken, OTPProof: req.Proof,
		DeviceName: req.DeviceName, Client: client(r),
	})
}

func (h *handlers) apiSignOut(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.allow(r); err != nil {
		return err
	}
	if err := h.acc.Sessions.SignOut(r.Context(), a.Session, client(r)); err != nil {
		return err
	}
	if !a.Bearer {
		h.cookies.clear(w, h.cookies.session)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pinRequest is the body of POST /api/v1/auth/reauth and PUT /api/v1/me/pin.
type pinRequest struct {
	PIN string `json:"pin"`
}

// reauthJSON says until when sensitive actions are allowed.
type reauthJSON struct {
	ReauthAt   time.Time `json:"reauth_at"`
	ValidUntil time.Time `json:"valid_until"`
}

func (h *handlers) apiReauth(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req pinRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	s, err := h.acc.ReauthenticateWithPIN(r.Context(), a.Session, req.PIN, client(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, reauthJSON{ReauthAt: s.ReauthAt, ValidUntil: s.ReauthAt.Add(account.ReauthMaxAge)})
}
