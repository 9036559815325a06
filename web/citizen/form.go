package citizen

import (
	"net/http"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// form is what a page shows next to its form after a refusal: messages in
// the citizen's language, by field, and one not tied to a field.
type form = web.Form

// ok is a form without errors.
func ok() form { return web.FormOK() }

// formError turns a refusal into messages for the form, adding how many
// attempts are left or when to retry. Faults (internal errors, an
// unavailable dependency) are returned as errors instead, for the error
// page.
func (h *handlers) formError(r *http.Request, err error) (form, error) {
	f, ferr := h.s.FormError(r, err)
	if ferr == nil && len(f.Errors) == 0 {
		f.Error += h.limitText(r, err)
	}
	return f, ferr
}

// limitText tells how many attempts are left or when to try again, with a
// leading space, or "".
func (h *handlers) limitText(r *http.Request, err error) string {
	l, ok := account.LimitOf(err)
	if !ok {
		return ""
	}
	if !l.RetryAt.IsZero() {
		minutes := (secondsUntil(l.RetryAt, h.now()) + 59) / 60
		return " " + h.s.T(r, "citizen.retry_in", minutes)
	}
	if l.AttemptsLeft > 0 {
		return " " + h.s.T(r, "citizen.attempts_left", l.AttemptsLeft)
	}
	return ""
}

// mismatch is the refusal of two PIN entries that differ.
func mismatch() error {
	return fieldErr("pin2", "citizen.pin.mismatch", "The two PINs differ.", nil)
}

// flash returns the translation key of the message a redirect asked the
// page to show (?msg=name), or "" for none or an unknown name.
func flash(r *http.Request) string {
	switch m := r.URL.Query().Get("msg"); m {
	case "expired", "signed_out", "welcome", "pin_changed", "session_ended", "device_renamed", "device_blocked",
		"passkey_added", "passkey_renamed", "passkey_removed":
		return "citizen.msg." + m
	}
	return ""
}

// when formats a time for pages: UTC, day first, to the minute.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("02.01.2006 15:04") + " UTC"
}

// nextPath is where to go after signing in: a path on this site, the
// cabinet by default.
func nextPath(next string) string {
	if next == "" {
		return "/account"
	}
	if p := web.SafeReturn(next); p != "/" {
		return p
	}
	return "/account"
}
