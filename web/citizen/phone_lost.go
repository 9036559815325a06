package citizen

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// The phone change of a citizen who lost the old phone, in the browser:
// the account_phone page offers "I no longer have my old phone" to a
// citizen with a usable passkey; only the new number then gets a code, and
// the code step asks for it, the PIN and a passkey. static/phone.js runs
// the passkey re-authentication ceremony (POST
// /api/v1/auth/reauth/passkey/begin), puts the ceremony id and the
// browser's response in the form and submits it; the server checks all
// three factors in account.ConfirmPhoneChange.

// lostPhoneView is the phone step's view for the posted form: Lost when
// the citizen ticked old_phone_lost and may (has a usable passkey).
func (h *handlers) lostPhoneView(r *http.Request, a Auth) (lifecycleView, error) {
	v := lifecycleView{Form: ok(), Step: "phone"}
	var err error
	if v.CanLose, err = h.hasUsablePasskey(r, a); err != nil {
		return v, err
	}
	v.Lost = v.CanLose && r.PostForm.Get("old_phone_lost") == "yes"
	return v, nil
}

// lostPhoneConfirm is the confirmation of the code step's form: both codes,
// or (Lost) the new code, the PIN and the passkey assertion. A response
// that is not JSON is passed on as empty, so the passkey check refuses it.
func lostPhoneConfirm(v lifecycleView, f url.Values) phoneChangeConfirm {
	req := phoneChangeConfirm{Phone: v.Phone, NewCode: f.Get("new_code")}
	if !v.Lost {
		req.OldCode = f.Get("old_code")
		return req
	}
	req.PIN, req.PasskeyCeremonyID = f.Get("pin"), f.Get("passkey_ceremony_id")
	if resp := f.Get("passkey_response"); json.Valid([]byte(resp)) {
		req.PasskeyResponse = json.RawMessage(resp)
	}
	return req
}
