package recovery

import (
	"net/http"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	domain "github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// uploadLimit is the body limit of the face routes: the largest photo plus
// room for the other fields and the multipart framing.
const uploadLimit = account.MaxImageBytes + 64<<10

// routeSecondChecks adds the face check (API and pages) and the page form
// of the passkey check (recovery_passkey.js runs the ceremony).
func (h *handlers) routeSecondChecks() {
	api := func(pattern string, fn web.HandlerFunc, opts ...web.RouteOption) {
		h.s.API(pattern, h.withRetry(fn), opts...)
	}
	api("GET /api/v1/recovery/requests/{id}/checks", h.apiChecks)
	api("POST /api/v1/recovery/requests/{id}/face", h.apiFace)
	api("POST /api/v1/recovery/requests/{id}/face/complete", h.apiFaceComplete, web.MaxBody(uploadLimit))
	page := func(pattern string, fn web.HandlerFunc, opts ...web.RouteOption) {
		h.s.Page(pattern, h.withRetry(fn), opts...)
	}
	page("POST /recover/face", h.facePage)
	page("POST /recover/face/complete", h.faceCompletePage, web.MaxBody(uploadLimit))
	page("POST /recover/passkey", h.passkeyPage)
}

// handleFor returns the handle of an API call: the bearer token, or — for
// recovery_passkey.js on the page — the browser's cookie when it is for
// the request in the path.
func (h *handlers) handleFor(r *http.Request) (string, error) {
	handle, err := bearerHandle(r)
	if err == nil {
		return handle, nil
	}
	if id, ch, ok := h.cookieHandle(r); ok && id == r.PathValue("id") {
		return ch, nil
	}
	return "", err
}

func (h *handlers) apiChecks(w http.ResponseWriter, r *http.Request) error {
	handle, err := h.handleFor(r)
	if err != nil {
		return err
	}
	checks, err := h.rec.Checks(r.Context(), r.PathValue("id"), handle)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]string{"checks": checks})
}

type faceChallengeJSON struct {
	Challenge string    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (h *handlers) apiFace(w http.ResponseWriter, r *http.Request) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	handle, err := h.handleFor(r)
	if err != nil {
		return err
	}
	c, err := h.rec.BeginFace(r.Context(), r.PathValue("id"), handle)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, faceChallengeJSON{Challenge: c.Value, ExpiresAt: c.ExpiresAt.UTC()})
}

// apiFaceComplete takes multipart/form-data: challenge, image and pin.
func (h *handlers) apiFaceComplete(w http.ResponseWriter, r *http.Request) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	handle, err := h.handleFor(r)
	if err != nil {
		return err
	}
	f, err := readFaceForm(r)
	if err != nil {
		return err
	}
	until, err := h.rec.Complete(r.Context(), domain.CompleteRequest{ID: r.PathValue("id"), Handle: handle, Method: domain.CheckFace,
		Challenge: f.challenge, Image: f.image, PIN: f.pin, Client: citizen.Client(r)})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]time.Time{"cooling_off_until": until})
}

// faceForm is a multipart face check: the challenge, the photo and the new
// PIN (twice on the page).
type faceForm struct {
	challenge, pin, pin2 string
	image                []byte
}

// readFaceForm reads a multipart face form, holding at most uploadLimit
// bytes in memory and nothing on disk; unknown parts are skipped.
func readFaceForm(r *http.Request) (faceForm, error) {
	f, err := web.ReadPhotoForm(r, []string{"challenge", "pin", "pin2"}, 256, account.MaxImageBytes, "account.proofing.image_format")
	if err != nil {
		return faceForm{}, err
	}
	if len(f.Image) == 0 {
		return faceForm{}, imageErr("account.proofing.image_missing", "Choose or take a photo.", nil)
	}
	return faceForm{challenge: f.Text["challenge"], pin: f.Text["pin"], pin2: f.Text["pin2"], image: f.Image}, nil
}

func imageErr(key, msg string, err error) error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: key, Message: msg, Err: err,
		Fields: []digitalid.FieldError{{Field: "image", Code: digitalid.EINVALID, Key: key, Message: msg}}}
}

func pinMismatch() error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: "recovery.pin_mismatch", Message: "The two PINs differ.",
		Fields: []digitalid.FieldError{{Field: "pin2", Code: digitalid.EINVALID, Key: "recovery.pin_mismatch", Message: "The two PINs differ."}}}
}

// facePage issues a face challenge and shows the upload form.
func (h *handlers) facePage(w http.ResponseWriter, r *http.Request) error {
	id, handle, _ := h.cookieHandle(r)
	v := startView{Form: okForm()}
	err := h.guard.AllowAuth(r)
	var c account.Challenge
	if err == nil {
		c, err = h.rec.BeginFace(r.Context(), id, handle)
	}
	if err != nil {
		if v.Form, err = h.formError(r, err); err != nil {
			return err
		}
		return h.renderStatus(w, r, v)
	}
	v.FaceChallenge = c.Value
	return h.renderStatus(w, r, v)
}

// faceCompletePage finishes with a photo and the new PIN, typed twice.
func (h *handlers) faceCompletePage(w http.ResponseWriter, r *http.Request) error {
	id, handle, _ := h.cookieHandle(r)
	err := h.guard.AllowAuth(r)
	var f faceForm
	if err == nil {
		f, err = readFaceForm(r)
	}
	if err == nil && f.pin != f.pin2 {
		err = pinMismatch()
	}
	// After a refusal the photo form is shown again with a fresh challenge
	// (unless none can be had: locked, or the request is closed).
	again := func(v *startView) {
		if c, err := h.rec.BeginFace(r.Context(), id, handle); err == nil {
			v.FaceChallenge = c.Value
		}
	}
	return h.finishPage(w, r, err, domain.CompleteRequest{ID: id, Handle: handle, Method: domain.CheckFace,
		Challenge: f.challenge, Image: f.image, PIN: f.pin, Client: citizen.Client(r)}, again)
}

// passkeyPage finishes with the assertion recovery_passkey.js put in the
// form and the new PIN, typed twice.
func (h *handlers) passkeyPage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, handle, _ := h.cookieHandle(r)
	pin := r.PostForm.Get("pin")
	err := h.guard.AllowAuth(r)
	if err == nil && pin != r.PostForm.Get("pin2") {
		err = pinMismatch()
	}
	return h.finishPage(w, r, err, domain.CompleteRequest{ID: id, Handle: handle, Method: domain.CheckPasskey,
		CeremonyID: r.PostForm.Get("ceremony_id"), Response: []byte(r.PostForm.Get("response")), PIN: pin, Client: citizen.Client(r)}, nil)
}

// finishPage completes req unless err already refused the form, and shows
// the end of the recovery or the refusal on the status page (prepared by
// again, when not nil).
func (h *handlers) finishPage(w http.ResponseWriter, r *http.Request, err error, req domain.CompleteRequest, again func(*startView)) error {
	if err == nil {
		t, cerr := h.rec.Complete(r.Context(), req)
		if cerr == nil {
			h.clearHandle(w)
			return h.renderStart(w, r, startView{Form: okForm(), Step: "done", CoolingOff: stamp(t)})
		}
		err = cerr
	}
	v := startView{}
	if v.Form, err = h.formError(r, err); err != nil {
		return err
	}
	if again != nil {
		again(&v)
	}
	return h.renderStatus(w, r, v)
}

// offerChecks fills in the second checks an approved request offers.
func (h *handlers) offerChecks(r *http.Request, v *startView, id, handle string) {
	checks, err := h.rec.Checks(r.Context(), id, handle)
	if err != nil {
		return
	}
	v.ID = id
	for _, c := range checks {
		switch c {
		case domain.CheckFace:
			v.Face = true
		case domain.CheckPasskey:
			v.Passkey = true
		}
	}
}
