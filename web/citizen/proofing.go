package citizen

import (
	"net/http"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// uploadLimit is the body limit of the photo routes: the largest photo plus
// room for the form's other fields and multipart framing.
const uploadLimit = account.MaxImageBytes + 64<<10

// routeProofing registers identity proofing: the API (described in
// openapi-proofing.json) and the /account/identity page. With no Biometric
// configured (Deps.Proofing nil or without a provider) every call answers
// 503 account.proofing.not_configured and the page says so.
func (h *handlers) routeProofing(p *account.Proofing) {
	h.proof = p
	api := func(pattern string, fn authedFunc, opts ...web.RouteOption) {
		h.s.API(pattern, h.withRetry(h.api(fn)), opts...)
	}
	api("POST /api/v1/identity/challenge", h.apiProofingChallenge)
	api("POST /api/v1/identity/biometric", h.apiBiometric, web.MaxBody(uploadLimit))
	h.s.Page("GET /account/identity", h.withRetry(h.page(h.identityPage)))
	h.s.Page("POST /account/identity", h.withRetry(h.page(h.identitySubmit)), web.MaxBody(uploadLimit))
}

type challengeRequest struct {
	Purpose string `json:"purpose"` // proofing (default) or video
}

type challengeJSON struct {
	Challenge string    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiProofingChallenge issues a single-use challenge for one photo.
func (h *handlers) apiProofingChallenge(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.allow(r); err != nil {
		return err
	}
	req := challengeRequest{Purpose: string(account.PurposeProofing)}
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(r, &req); err != nil {
			return err
		}
	}
	c, err := h.proof.NewChallenge(r.Context(), a.Session, account.ProofingPurpose(req.Purpose))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, challengeJSON{Challenge: c.Value, ExpiresAt: c.ExpiresAt.UTC()})
}

// apiBiometric takes multipart/form-data with fields challenge and image.
func (h *handlers) apiBiometric(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.allow(r); err != nil {
		return err
	}
	challenge, img, err := readPhoto(r)
	if err != nil {
		return err
	}
	lvl, err := h.proof.Check(r.Context(), a.Session, challenge, img, client(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]string{"assurance": string(lvl)})
}

// readPhoto reads the challenge and the image of a multipart form, holding
// at most uploadLimit bytes in memory and nothing on disk.
func readPhoto(r *http.Request) (string, []byte, error) {
	f, err := web.ReadPhotoForm(r, []string{"challenge"}, 256, account.MaxImageBytes, "account.proofing.image_format")
	if err != nil {
		return "", nil, err
	}
	if len(f.Image) == 0 {
		return "", nil, fieldErr("image", "account.proofing.image_missing", "Choose or take a photo.", nil)
	}
	return f.Text["challenge"], f.Image, nil
}

// identityView is what /account/identity (account_identity.html) shows.
type identityView struct {
	Assurance  string // basic, standard, high
	Configured bool   // a biometric provider is set
	Challenge  string // set when the upload form is shown
	Expires    string
	Form       form
	Done       bool // the check just raised the level
	// Video offers the camera check (facecheck.js, PurposeVideo) beside the
	// upload form; LockedUntil is when a biometric block ends.
	Video       bool
	LockedUntil string
}

func (h *handlers) identityPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	return h.renderIdentity(w, r, a, ok(), r.URL.Query().Get("msg") == "high")
}

// identitySubmit checks the uploaded photo; a refusal shows the page again
// with the reason and a new challenge.
func (h *handlers) identitySubmit(w http.ResponseWriter, r *http.Request, a Auth) error {
	var challenge string
	var img []byte
	err := h.allow(r)
	if err == nil {
		challenge, img, err = readPhoto(r)
	}
	if err == nil {
		_, err = h.proof.Check(r.Context(), a.Session, challenge, img, client(r))
	}
	if err == nil {
		return redirect(w, r, "/account/identity", map[string][]string{"msg": {"high"}})
	}
	f, ferr := h.formError(r, err)
	if ferr != nil {
		return ferr
	}
	h.retryAfter(w, err)
	return h.renderIdentity(w, r, a, f, false)
}

// renderIdentity shows the levels, the citizen's own, and the upload form
// with a fresh challenge when a check is possible now.
func (h *handlers) renderIdentity(w http.ResponseWriter, r *http.Request, a Auth, f form, done bool) error {
	c, err := h.acc.Citizens.Get(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	v := identityView{Assurance: string(c.Assurance), Configured: h.proof.Configured(), Form: f, Done: done}
	if v.Configured && c.Assurance == account.AssuranceStandard {
		ch, err := h.proof.NewChallenge(r.Context(), a.Session, account.PurposeProofing)
		switch digitalid.ErrorCode(err) {
		case "":
			v.Challenge, v.Expires, v.Video = ch.Value, when(ch.ExpiresAt), true
		case digitalid.ELOCKED:
			v.LockedUntil = lockedUntil(err)
			if v.Form.Error == "" {
				lf, _ := h.formError(r, err)
				v.Form.Error = lf.Error
			}
		default:
			return err
		}
	}
	return h.s.Render(w, r, f.Status, "account_identity", v)
}
