package recovery

import (
	"net/http"

	"github.com/digitalid/digitalid"
	domain "github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/web/citizen"
)

// startView is the recovery seen by the citizen who cannot sign in.
type startView struct {
	Form       form
	Step       string // phone, code, status, done
	Phone      string
	Reason     string
	Status     string
	Expires    string
	CodeSent   bool
	CoolingOff string
	// The other second checks of an approved request (second_check.go):
	// ID is the request's, for recovery_passkey.js; FaceChallenge is set
	// when the photo form is shown.
	ID            string
	Face, Passkey bool
	FaceChallenge string
}

func (h *handlers) renderStart(w http.ResponseWriter, r *http.Request, v startView) error {
	if v.Reason == "" {
		v.Reason = domain.ReasonPIN
	}
	return h.s.Render(w, r, v.Form.Status, "recovery_start", v)
}

// refuse shows a refusal on the step v, or returns a fault.
func (h *handlers) refuse(w http.ResponseWriter, r *http.Request, v startView, err error) error {
	f, ferr := h.formError(r, err)
	if ferr != nil {
		return ferr
	}
	v.Form = f
	return h.renderStart(w, r, v)
}

func (h *handlers) startPage(w http.ResponseWriter, r *http.Request) error {
	if _, _, ok := h.cookieHandle(r); ok {
		http.Redirect(w, r, "/recover/status", http.StatusSeeOther)
		return nil
	}
	return h.renderStart(w, r, startView{Form: okForm(), Step: "phone"})
}

// startPhone texts a recovery code (to an active account only; the page
// answers the same for every number).
func (h *handlers) startPhone(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	v := startView{Form: okForm(), Step: "phone", Phone: r.PostForm.Get("phone"), Reason: r.PostForm.Get("reason")}
	err := h.guard.AllowAuth(r)
	if err == nil {
		_, err = h.startCodeFor(r, v.Phone, "")
	}
	if err != nil {
		return h.refuse(w, r, v, err)
	}
	v.Phone, _ = h.phone(v.Phone)
	v.Step = "code"
	return h.renderStart(w, r, v)
}

// startCode checks the code and opens the request; the browser keeps its
// handle in a cookie.
func (h *handlers) startCode(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	v := startView{Form: okForm(), Step: "code", Phone: r.PostForm.Get("phone"), Reason: r.PostForm.Get("reason")}
	err := h.guard.AllowAuth(r)
	var st domain.Started
	if err == nil {
		st, err = h.start(r, startRequest{Phone: v.Phone, Code: r.PostForm.Get("code"), Reason: v.Reason})
	}
	if err != nil {
		return h.refuse(w, r, v, err)
	}
	h.setHandle(w, st.ID, st.Handle, st.ExpiresAt)
	http.Redirect(w, r, "/recover/status", http.StatusSeeOther)
	return nil
}

// statusPage shows the request the browser started: waiting for the
// contact, or — once approved — the second check and the new PIN.
func (h *handlers) statusPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderStatus(w, r, startView{Form: okForm()})
}

func (h *handlers) renderStatus(w http.ResponseWriter, r *http.Request, v startView) error {
	id, handle, ok := h.cookieHandle(r)
	if !ok {
		http.Redirect(w, r, "/recover", http.StatusSeeOther)
		return nil
	}
	st, err := h.rec.Status(r.Context(), id, handle)
	if err != nil {
		h.clearHandle(w)
		http.Redirect(w, r, "/recover", http.StatusSeeOther)
		return nil
	}
	v.Step, v.Status, v.Reason, v.Expires = "status", string(st.Status), st.Reason, stamp(st.ExpiresAt)
	if st.Status == domain.RequestApproved {
		h.offerChecks(r, &v, id, handle)
	}
	return h.renderStart(w, r, v)
}

func (h *handlers) ownCodePage(w http.ResponseWriter, r *http.Request) error {
	id, handle, _ := h.cookieHandle(r)
	v := startView{Form: okForm(), CodeSent: true}
	err := h.guard.AllowAuth(r)
	if err == nil {
		_, err = h.rec.SendOwnCode(r.Context(), id, handle)
	}
	if err != nil {
		if v.Form, err = h.formError(r, err); err != nil {
			return err
		}
		v.CodeSent = false
	}
	return h.renderStatus(w, r, v)
}

// completePage finishes with the code to the citizen's own phone (the
// page's second check; a passkey is offered through the API) and the new
// PIN, typed twice.
func (h *handlers) completePage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, handle, _ := h.cookieHandle(r)
	pin := r.PostForm.Get("pin")
	err := h.guard.AllowAuth(r)
	if err == nil && pin != r.PostForm.Get("pin2") {
		err = &digitalid.Error{Code: digitalid.EINVALID, Key: "recovery.pin_mismatch", Message: "The two PINs differ.",
			Fields: []digitalid.FieldError{{Field: "pin2", Code: digitalid.EINVALID, Key: "recovery.pin_mismatch", Message: "The two PINs differ."}}}
	}
	if err == nil {
		var until = ""
		t, cerr := h.rec.Complete(r.Context(), domain.CompleteRequest{ID: id, Handle: handle, Method: domain.CheckOTP,
			Code: r.PostForm.Get("code"), PIN: pin, Client: citizen.Client(r)})
		if cerr == nil {
			until = stamp(t)
			h.clearHandle(w)
			return h.renderStart(w, r, startView{Form: okForm(), Step: "done", CoolingOff: until})
		}
		err = cerr
	}
	v := startView{CodeSent: true}
	if v.Form, err = h.formError(r, err); err != nil {
		return err
	}
	return h.renderStatus(w, r, v)
}

func (h *handlers) cancelPage(w http.ResponseWriter, r *http.Request) error {
	id, handle, _ := h.cookieHandle(r)
	if err := h.rec.Cancel(r.Context(), id, handle, citizen.Client(r)); err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND && digitalid.ErrorCode(err) != digitalid.ECONFLICT {
		return err
	}
	h.clearHandle(w)
	http.Redirect(w, r, "/recover", http.StatusSeeOther)
	return nil
}
