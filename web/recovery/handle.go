package recovery

import (
	"net/http"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
)

// handleCookie keeps "id handle" of the request the browser started; over
// TLS it is sent as "__Host-"+handleCookie.
const handleCookie = "digitalid_recovery"

func (h *handlers) cookieName() string {
	if h.secure {
		return "__Host-" + handleCookie
	}
	return handleCookie
}

func (h *handlers) setHandle(w http.ResponseWriter, id, handle string, until time.Time) {
	secs := int(until.Sub(h.now()) / time.Second)
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: id + "." + handle, Path: "/", MaxAge: max(secs, 1),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
}

func (h *handlers) clearHandle(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
}

// cookieHandle returns the request id and handle the browser holds.
func (h *handlers) cookieHandle(r *http.Request) (id, handle string, ok bool) {
	c, err := r.Cookie(h.cookieName())
	if err != nil {
		return "", "", false
	}
	id, handle, ok = strings.Cut(c.Value, ".")
	return id, handle, ok && id != "" && handle != ""
}

// bearerHandle returns the handle of an API request (Authorization:
// Bearer drh_...), or EUNAUTHORIZED.
func bearerHandle(r *http.Request) (string, error) {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:]), nil
	}
	return "", &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "recovery.handle_missing",
		Message: "Send the recovery handle as a bearer token."}
}
