package citizen

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// Sign-up and sign-in pages: one template (account_auth) with steps.
//
//	sign-up:            phone → code → PIN (and device name) → cabinet
//	sign-in, new device: phone → code → PIN (and device name) → next page
//	sign-in, known device (device cookie): phone and PIN → next page
const (
	flowSignUp = "signup"
	flowSignIn = "signin"

	stepPhone  = "phone"  // ask for the number, text a code
	stepCode   = "code"   // enter the code
	stepPIN    = "pin"    // choose (sign-up) or enter (new device) the PIN
	stepDevice = "device" // known device: phone and PIN
)

// authView is what account_auth.html shows.
type authView struct {
	Flow       string
	Step       string
	Next       string // where to go once signed in
	Phone      string // as typed, or E.164 once a code was sent
	DeviceName string
	HasDevice  bool   // the browser holds a device token
	Msg        string // translation key of a message from a redirect
	Form       form
	Passkeys   bool // offer "Sign in with a passkey" (needs JavaScript)
}

func (h *handlers) renderAuth(w http.ResponseWriter, r *http.Request, v authView) error {
	if v.Form.Status == 0 {
		v.Form = ok()
	}
	v.HasDevice = get(r, h.cookies.device) != ""
	v.Passkeys = h.acc.Passkeys != nil
	return h.s.Render(w, r, v.Form.Status, "account_auth", v)
}

// refuse shows the step again with err's message next to its field.
func (h *handlers) refuse(w http.ResponseWriter, r *http.Request, v authView, err error) error {
	f, ferr := h.pageError(w, r, err)
	if ferr != nil {
		return ferr
	}
	v.Form = f
	return h.renderAuth(w, r, v)
}

// posted parses a form and starts its view; every authentication form
// counts against the client's rate limit.
func (h *handlers) posted(r *http.Request, flow, step string) (authView, error) {
	if err := r.ParseForm(); err != nil {
		return authView{}, err
	}
	v := authView{Flow: flow, Step: step, Next: r.PostForm.Get("next"), Phone: r.PostForm.Get("phone"),
		DeviceName: r.PostForm.Get("device_name")}
	return v, h.allow(r)
}

func (h *handlers) signUpPage(w http.ResponseWriter, r *http.Request) error {
	if h.signedIn(r) {
		return redirect(w, r, "/account", nil)
	}
	return h.renderAuth(w, r, authView{Flow: flowSignUp, Step: stepPhone, Msg: flash(r)})
}

func (h *handlers) signInPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if h.signedIn(r) {
		return redirect(w, r, nextPath(q.Get("next")), nil)
	}
	v := authView{Flow: flowSignIn, Step: stepPhone, Next: q.Get("next"), Msg: flash(r)}
	if get(r, h.cookies.device) != "" && q.Get("method") != "code" {
		v.Step = stepDevice
	}
	return h.renderAuth(w, r, v)
}

// phoneStep texts a code (purpose = flow) and shows the code step. What it
// shows is the same whether or not the number has an account.
func (h *handlers) phoneStep(flow string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := h.posted(r, flow, stepPhone)
		if err == nil {
			_, err = h.requestCode(r, codeRequest{Phone: v.Phone, Purpose: flow})
		}
		if err != nil {
			return h.refuse(w, r, v, err)
		}
		v.Phone, _ = h.phone(v.Phone)
		v.Step = stepCode
		return h.renderAuth(w, r, v)
	}
}

// codeStep checks the code and keeps its proof in the proof cookie for the
// PIN step.
func (h *handlers) codeStep(flow string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := h.posted(r, flow, stepCode)
		var proof account.Proof
		if err == nil {
			proof, err = h.verifyCode(r, verifyRequest{Phone: v.Phone, Purpose: flow, Code: r.PostForm.Get("code")})
		}
		if err != nil {
			return h.refuse(w, r, v, err)
		}
		h.cookies.set(w, h.cookies.proof, proof.Token, proof.ExpiresAt.Sub(h.now()))
		return redirect(w, r, "/"+flow+"/pin", nextQuery(v.Next))
	}
}

func nextQuery(next string) url.Values {
	if next == "" {
		return nil
	}
	return url.Values{"next": {next}}
}

// pinStepPage asks for the PIN and names the new device; without a proof
// the flow starts over.
func (h *handlers) pinStepPage(flow string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		next := r.URL.Query().Get("next")
		if get(r, h.cookies.proof) == "" {
			return redirect(w, r, "/"+flow, nextQuery(next))
		}
		return h.renderAuth(w, r, authView{Flow: flow, Step: stepPIN, Next: next, DeviceName: deviceNameFrom(r.UserAgent())})
	}
}

// signUpPIN creates the account with the chosen PIN.
func (h *handlers) signUpPIN(w http.ResponseWriter, r *http.Request) error {
	v, err := h.posted(r, flowSignUp, stepPIN)
	proof := get(r, h.cookies.proof)
	if err == nil && proof == "" {
		return redirect(w, r, "/signup", nil)
	}
	pin := r.PostForm.Get("pin")
	if err == nil {
		err = account.CheckPIN(pin)
	}
	if err == nil && pin != r.PostForm.Get("pin2") {
		err = mismatch()
	}
	var res account.SignInResult
	if err == nil {
		res, err = h.acc.SignUp(r.Context(), account.SignUpRequest{
			OTPProof: proof, PIN: pin, Lang: h.s.Lang(r), DeviceName: v.DeviceName, Client: client(r),
		})
	}
	if err != nil {
		if k := keyOf(err); k == "account.otp.proof" || k == "account.signup.exists" {
			h.cookies.clear(w, h.cookies.proof)
			v.Step = stepPhone
		}
		return h.refuse(w, r, v, err)
	}
	h.startSession(w, res)
	return redirect(w, r, "/account", url.Values{"msg": {"welcome"}})
}

// signInPIN signs in from one of two forms: the known-device form (phone
// and PIN, with the device cookie) or the new-device PIN step (PIN and
// device name, with the proof cookie of a verified code).
func (h *handlers) signInPIN(w http.ResponseWriter, r *http.Request) error {
	v, err := h.posted(r, flowSignIn, stepPIN)
	req := signInRequest{PIN: r.PostForm.Get("pin"), DeviceName: v.DeviceName}
	cookie := h.cookies.proof
	if r.PostForm.Has("phone") {
		v.Step, cookie = stepDevice, h.cookies.device
	}
	token := get(r, cookie)
	if err == nil && token == "" {
		return redirect(w, r, "/signin", url.Values{"method": {"code"}, "next": {v.Next}})
	}
	if v.Step == stepDevice {
		req.DeviceToken = token
		if err == nil {
			req.Phone, err = h.phone(v.Phone)
		}
	} else {
		req.Proof = token
	}
	var res account.SignInResult
	if err == nil {
		res, err = h.signIn(r, req)
	}
	if k := keyOf(err); k == "account.otp.proof" || k == "account.device.unknown" {
		h.cookies.clear(w, cookie)
		v.Step = stepPhone
	}
	if err != nil {
		return h.refuse(w, r, v, err)
	}
	h.startSession(w, res)
	return redirect(w, r, nextPath(v.Next), nil)
}

// keyOf returns the translation key of err, or "".
func keyOf(err error) string {
	var de *digitalid.Error
	if errors.As(err, &de) {
		return de.Key
	}
	return ""
}
