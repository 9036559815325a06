package presentweb

import (
	"net/http"

	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/web"
)

// portraitURLPath is where a portrait link points, under the public URL.
const portraitURLPath = "/api/v1/verifier/portraits/"

// portraitURL is the absolute URL of a portrait link.
func (h *handlers) portraitURL(token string) string {
	return h.s.PublicURL() + portraitURLPath + token
}

// apiVerifierPortrait serves GET /api/v1/verifier/portraits/{token}: the
// portrait of a valid online check, to the verifier that made it (Bearer
// credential or staff cookie, as the verify call), within
// present.PortraitTTL and at most present.PortraitReads times. Every link
// that gives no photo is the same 404.
func (h *handlers) apiVerifierPortrait(w http.ResponseWriter, r *http.Request) error {
	v, err := h.verifier(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="digitalid-verifier"`)
		return err
	}
	img, ctype, err := h.p.VerifierPortrait(r.Context(), v, r.PathValue("token"),
		present.Client{IP: web.ClientIP(r), RequestID: web.RequestID(r.Context())})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(img)
	return err
}
