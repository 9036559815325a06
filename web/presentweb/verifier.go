package presentweb

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/web"
)

// verifier returns the verifier of a request: the Authorization header
// "Bearer <verifierID>.<secret>" (API clients), else the staff session
// cookie (the scanner page). Any failure is EUNAUTHORIZED.
func (h *handlers) verifier(r *http.Request) (present.Verifier, error) {
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, cred, ok := strings.Cut(v, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return present.Verifier{}, h.unauthorized()
		}
		return h.p.Authenticate(r.Context(), cred)
	}
	c, err := r.Cookie(h.cookie)
	if err != nil {
		return present.Verifier{}, h.unauthorized()
	}
	return h.p.Session(r.Context(), c.Value)
}

func (h *handlers) unauthorized() error {
	return &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "present.error.verifier_unauthorized",
		Message: "Unknown or disabled verifier, or wrong credentials."}
}

// displayItem is a claim in words: "18+" "yes".
type displayItem struct {
	Claim string `json:"claim"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// verifyOut is the answer of POST /api/v1/verifier/verify. A refusal is a
// 200 with result "invalid": the verifier asked a valid question.
type verifyOut struct {
	Result       present.Outcome `json:"result"`
	Reason       string          `json:"reason,omitempty"`
	ReasonText   string          `json:"reason_text,omitempty"`
	Purpose      string          `json:"purpose,omitempty"`
	PurposeLabel string          `json:"purpose_label,omitempty"`
	Mode         string          `json:"mode"`
	Claims       map[string]any  `json:"claims"`
	Display      []displayItem   `json:"display"`
	PortraitURL  string          `json:"portrait_url,omitempty"`
	CheckedAt    time.Time       `json:"checked_at"`
}

// maxVerifyBody bounds a verification request: an offline payload is at
// most verify.MaxPayloadLen bytes.
const maxVerifyBody = 16 << 10

func (h *handlers) apiVerify(w http.ResponseWriter, r *http.Request) error {
	v, err := h.verifier(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="digitalid-verifier"`)
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyBody)
	var in struct {
		Payload string `json:"payload"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Payload) == "" {
		return &digitalid.Error{Code: digitalid.EINVALID, Key: "present.error.payload_required", Message: "The payload is required.",
			Fields: []digitalid.FieldError{{Field: "payload", Code: "required", Message: "The scanned QR text is required."}}}
	}
	res, err := h.p.Verify(r.Context(), v, in.Payload, present.Client{IP: web.ClientIP(r), RequestID: web.RequestID(r.Context())})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, h.verifyOut(r, res))
}

func (h *handlers) verifyOut(r *http.Request, res present.Result) verifyOut {
	out := verifyOut{Result: res.Outcome, Reason: res.Reason, Purpose: res.Purpose, Mode: res.Mode,
		Claims: map[string]any{}, Display: []displayItem{}, CheckedAt: res.CheckedAt}
	if res.Purpose != "" {
		out.PurposeLabel = h.s.T(r, "present.purpose."+res.Purpose)
	}
	if res.Reason != "" {
		out.ReasonText = h.text(r, "present.reason."+res.Reason, h.s.T(r, "present.reason.other"))
	}
	if !res.Valid() {
		return out
	}
	out.Claims = res.Claims
	if p, ok := present.LookupPurpose(res.Purpose); ok {
		for _, name := range p.Claims {
			if val, ok := res.Claims[name]; ok {
				out.Display = append(out.Display, displayItem{Claim: name, Label: h.s.T(r, "present.claim."+name), Value: h.words(r, val)})
			}
		}
	}
	if res.PortraitToken != "" {
		out.PortraitURL = h.portraitURL(res.PortraitToken)
	}
	return out
}

// words renders a claim value for people.
func (h *handlers) words(r *http.Request, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return h.s.T(r, "present.yes")
		}
		return h.s.T(r, "present.no")
	case []int:
		parts := make([]string, len(x))
		for i, n := range x {
			parts[i] = fmt.Sprint(n)
		}
		return strings.Join(parts, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, n := range x {
			parts[i] = h.words(r, n)
		}
		return strings.Join(parts, ", ")
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// signInView is the staff sign-in page.
type signInView struct {
	Error      string
	VerifierID string
	Msg        string
}

func (h *handlers) signInPage(w http.ResponseWriter, r *http.Request) error {
	v := signInView{}
	if r.URL.Query().Get("msg") == "signedout" {
		v.Msg = "present.staff.signed_out"
	}
	return h.s.Render(w, r, http.StatusOK, "verifier_signin", v)
}

func (h *handlers) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := h.guard.AllowAuth(r); err != nil {
		return err
	}
	id, secret := strings.TrimSpace(r.PostFormValue("verifier_id")), strings.TrimSpace(r.PostFormValue("secret"))
	v, token, _, err := h.p.SignIn(r.Context(), id+"."+secret)
	if digitalid.ErrorCode(err) == digitalid.EUNAUTHORIZED {
		return h.s.Render(w, r, http.StatusUnauthorized, "verifier_signin", signInView{Error: "present.staff.wrong", VerifierID: id})
	}
	if err != nil {
		return err
	}
	h.log.Info("verifier staff signed in", "verifier", v)
	http.SetCookie(w, &http.Cookie{Name: h.cookie, Value: token, Path: "/", MaxAge: int(h.p.StaffSession() / time.Second),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/verifier/scan", http.StatusSeeOther)
	return nil
}

func (h *handlers) signOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(h.cookie); err == nil {
		if err := h.p.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: h.cookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/verifier/signin?msg=signedout", http.StatusSeeOther)
	return nil
}

// scanView is the scanner page.
type scanView struct {
	Name     string
	Purposes []purposeOut
}

func (h *handlers) scanPage(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(h.cookie)
	if err != nil {
		http.Redirect(w, r, "/verifier/signin", http.StatusSeeOther)
		return nil
	}
	v, err := h.p.Session(r.Context(), c.Value)
	if digitalid.ErrorCode(err) == digitalid.EUNAUTHORIZED {
		http.Redirect(w, r, "/verifier/signin", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	sv := scanView{Name: v.Name}
	for _, name := range v.Purposes {
		if p, ok := present.LookupPurpose(name); ok {
			sv.Purposes = append(sv.Purposes, purposeOut{Name: p.Name, Label: h.s.T(r, "present.purpose."+p.Name), Claims: p.Claims})
		}
	}
	return h.s.Render(w, r, http.StatusOK, "verifier_scan", sv)
}
