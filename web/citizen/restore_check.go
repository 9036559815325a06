package citizen

import (
	"errors"
	"mime"
	"net/http"
	"regexp"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// The identity re-check of a restore (account/restore_check.go): after the
// restore code, the PIN; the birth date when a confirmed passport gave one;
// a live photo for a citizen at high when face matching is configured.
//
// API: POST /api/v1/auth/restore/challenge tells the holder of a restore
// proof (or of the code, which it turns into a proof) what to ask for and
// issues the face challenge; POST /api/v1/auth/restore takes JSON as before
// or multipart/form-data with the same fields plus challenge and image.
//
// Pages: /restore (number) → /restore/code (the SMS code; the proof goes to
// the proof cookie) → /restore/check (PIN, birth date, photo; a plain form
// that works without JavaScript) → /restore/confirm.

// restoreTextLimit bounds one text field of a multipart restore.
const restoreTextLimit = 256

// restoreChallengeRequest is the body of POST /api/v1/auth/restore/challenge:
// a restore proof, or the number and the code to turn into one.
type restoreChallengeRequest struct {
	Proof string `json:"proof"`
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// restoreChecksJSON is its answer.
type restoreChecksJSON struct {
	Checks         []account.RestoreCheck `json:"checks"`
	Challenge      string                 `json:"challenge,omitempty"`
	ExpiresAt      *time.Time             `json:"expires_at,omitempty"`
	Proof          string                 `json:"proof,omitempty"`
	ProofExpiresAt *time.Time             `json:"proof_expires_at,omitempty"`
}

// apiRestoreChallenge answers what a restore needs. The proof is not used
// up; a code given instead is (its proof is returned).
func (h *handlers) apiRestoreChallenge(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return err
	}
	var req restoreChallengeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	var out restoreChecksJSON
	if req.Proof == "" {
		p, err := h.restoreProof(r, req.Phone, req.Code)
		if err != nil {
			return err
		}
		req.Proof, out.Proof = p.Token, p.Token
		out.ProofExpiresAt = utcPtr(p.ExpiresAt)
	}
	rc, err := h.acc.RestoreChallenge(r.Context(), req.Proof)
	if err != nil {
		return err
	}
	out.Checks = rc.Checks
	if rc.Challenge.Value != "" {
		out.Challenge, out.ExpiresAt = rc.Challenge.Value, utcPtr(rc.Challenge.ExpiresAt)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func utcPtr(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}

// restoreProof checks a restore code and returns its proof.
func (h *handlers) restoreProof(r *http.Request, rawPhone, code string) (account.Proof, error) {
	phone, err := h.phone(rawPhone)
	if err != nil {
		return account.Proof{}, err
	}
	return h.acc.VerifyRestoreCode(r.Context(), phone, code)
}

// readRestore reads a restore request: multipart/form-data (the only way to
// send a photo), a page's urlencoded form when form is true, JSON otherwise.
func readRestore(r *http.Request, form bool) (restoreRequest, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "multipart/form-data":
		return readRestoreMultipart(r)
	case form:
		if err := r.ParseForm(); err != nil {
			return restoreRequest{}, err
		}
		f := r.PostForm
		return restoreRequest{Phone: f.Get("phone"), Code: f.Get("code"), PIN: f.Get("pin"),
			BirthDate: f.Get("birth_date"), DeviceName: f.Get("device_name"), Challenge: f.Get("challenge")}, nil
	}
	var req restoreRequest
	return req, web.DecodeJSON(r, &req)
}

// readRestoreMultipart reads the fields of a multipart restore, holding at
// most uploadLimit bytes in memory and nothing on disk. Unknown parts are
// skipped.
func readRestoreMultipart(r *http.Request) (restoreRequest, error) {
	f, err := web.ReadPhotoForm(r, []string{"phone", "code", "proof", "pin", "birth_date", "device_name", "challenge"},
		restoreTextLimit, account.MaxImageBytes, "account.proofing.image_format")
	if err != nil {
		return restoreRequest{}, err
	}
	t := f.Text
	return restoreRequest{Phone: t["phone"], Code: t["code"], Proof: t["proof"], PIN: t["pin"], BirthDate: t["birth_date"],
		DeviceName: t["device_name"], Challenge: t["challenge"], Image: f.Image}, nil
}

// dottedDate is a birth date as typed on the page in the Russian and Kazakh
// way, DD.MM.YYYY.
var dottedDate = regexp.MustCompile(`^(\d{2})\.(\d{2})\.(\d{4})$`)

// pageBirthDate accepts DD.MM.YYYY besides YYYY-MM-DD on the page.
func pageBirthDate(s string) string {
	if m := dottedDate.FindStringSubmatch(s); m != nil {
		return m[3] + "-" + m[2] + "-" + m[1]
	}
	return s
}

// restoreCheckView is what the check step of restore.html asks for.
type restoreCheckView struct {
	Birth     bool   // the birth date
	Face      bool   // a photo, with Challenge
	Challenge string // the face challenge
	Expires   string // when it expires
}

// restoreCodeStep checks the SMS code, keeps its proof in the proof cookie
// and goes on to the check step; a wrong code shows the code step again.
func (h *handlers) restoreCodeStep(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return h.lifeRefuse(w, r, "restore", lifecycleView{Step: "phone"}, err)
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	v := lifecycleView{Form: ok(), Step: "code", Phone: r.PostForm.Get("phone")}
	p, err := h.restoreProof(r, v.Phone, r.PostForm.Get("code"))
	if err != nil {
		return h.lifeRefuse(w, r, "restore", v, err)
	}
	h.cookies.set(w, h.cookies.proof, p.Token, p.ExpiresAt.Sub(h.now()))
	return redirect(w, r, "/restore/check", nil)
}

// restoreCheckPage asks for what the account needs; without a proof the
// flow starts over.
func (h *handlers) restoreCheckPage(w http.ResponseWriter, r *http.Request) error {
	proof := get(r, h.cookies.proof)
	if proof == "" {
		return redirect(w, r, "/restore", nil)
	}
	// Each load issues a face challenge (a database write), like the API's
	// restore/challenge: it spends the address's budget.
	if err := h.allow(r); err != nil {
		return h.lifeRefuse(w, r, "restore", lifecycleView{Form: ok(), Step: "check"}, err)
	}
	return h.restoreCheck(w, r, proof, nil)
}

// restoreCheck shows the check step with a fresh challenge, and refusal
// when a submission was refused. A proof that is no longer good (or an
// account no longer restorable) sends the citizen back to the first step.
func (h *handlers) restoreCheck(w http.ResponseWriter, r *http.Request, proof string, refusal error) error {
	v := lifecycleView{Form: ok(), Step: "check"}
	rc, err := h.acc.RestoreChallenge(r.Context(), proof)
	if k := keyOf(err); k == "account.otp.proof" || k == "account.restore.unavailable" {
		h.cookies.clear(w, h.cookies.proof)
		v.Step = "phone"
		return h.lifeRefuse(w, r, "restore", v, err)
	}
	if err != nil && refusal == nil {
		refusal = err
	}
	if err == nil {
		v.Check = restoreCheckView{Birth: rc.Needs(account.RestoreCheckBirthDate), Face: rc.Needs(account.RestoreCheckFace),
			Challenge: rc.Challenge.Value, Expires: when(rc.Challenge.ExpiresAt)}
	}
	if refusal != nil {
		return h.lifeRefuse(w, r, "restore", v, refusal)
	}
	return h.lifeRender(w, r, "restore", v)
}

// restoreConfirm restores the account with the proof cookie and the check
// step's answers (multipart when it carries a photo), and signs in on this
// browser as a new device. A form with the code itself (phone, code, PIN)
// is still taken, as before the check step existed.
func (h *handlers) restoreConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return h.lifeRefuse(w, r, "restore", lifecycleView{Step: "phone"}, err)
	}
	req, err := readRestore(r, true)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return err
	}
	req.BirthDate = pageBirthDate(req.BirthDate)
	if req.Code != "" {
		v := lifecycleView{Form: ok(), Step: "code", Phone: req.Phone}
		var res account.SignInResult
		if err == nil {
			res, err = h.restore(r, req)
		}
		if err != nil {
			return h.lifeRefuse(w, r, "restore", v, err)
		}
		return h.restored(w, r, res)
	}
	req.Proof = get(r, h.cookies.proof)
	if req.Proof == "" {
		return redirect(w, r, "/restore", nil)
	}
	var res account.SignInResult
	if err == nil {
		res, err = h.restore(r, req)
	}
	if err != nil {
		return h.restoreCheck(w, r, req.Proof, err)
	}
	return h.restored(w, r, res)
}

// restored starts the session of a restored account and says so.
func (h *handlers) restored(w http.ResponseWriter, r *http.Request, res account.SignInResult) error {
	h.startSession(w, res)
	return h.lifeRender(w, r, "restore", lifecycleView{Form: ok(), Step: "done"})
}
