package citizen

import (
	"net/http"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

// form is what a page shows next to its form after a refusal: messages in
// the citizen's language, by field, and one not tied to a field.
type form struct {
	Errors map[string]string
	Error  string
	Status int // HTTP status of the page
}

// ok is a form without errors.
func ok() form { return form{Status: http.StatusOK} }

// formError turns a refusal into messages for the form. Faults (internal
// errors, an unavailable dependency) are returned as errors instead, for
// the error page.
func (h *handlers) formError(r *http.Request, err error) (form, error) {
	switch digitalid.ErrorCode(err) {
	case digitalid.EINVALID, digitalid.EUNAUTHORIZED, digitalid.EFORBIDDEN, digitalid.ENOTFOUND,
		digitalid.ECONFLICT, digitalid.ELOCKED, digitalid.ERATELIMITED:
	default:
		return form{}, err
	}
	p := h.s.Problem(r, err)
	f := form{Status: p.Status}
	for _, fe := range p.Errors {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		f.Errors[fe.Field] = fe.Message
	}
	if len(f.Errors) == 0 {
		f.Error = p.Detail + h.limitText(r, err)
	}
	return f, nil
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
