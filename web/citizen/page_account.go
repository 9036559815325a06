package citizen

import (
	"net/http"
	"net/url"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

// homeView is what the cabinet's home page (account_home.html) shows.
type homeView struct {
	Assurance   string // basic, standard, high
	PhoneMasked string
	Since       string
	Unread      int
	Msg         string
	Next        nextStep // the level card (facecheck.go)
	CoolingOff  string   // end of a cooling-off period after a recovery, when one is on
}

func (h *handlers) homePage(w http.ResponseWriter, r *http.Request, a Auth) error {
	unread, err := h.acc.Notifications.Unread(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	v := homeView{
		Assurance: string(a.Citizen.Assurance), PhoneMasked: maskPhone(a.Citizen.Phone),
		Since: when(a.Citizen.CreatedAt), Unread: unread, Msg: flash(r),
		Next: nextStepFor(a.Citizen.Assurance),
	}
	if step, ok, err := h.pendingStep(r.Context(), a.Citizen); err != nil {
		return err
	} else if ok {
		v.Next = step
	}
	until, cooling, err := h.acc.CoolingOffUntil(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	if cooling {
		v.CoolingOff = when(until)
	}
	return h.s.Render(w, r, http.StatusOK, "account_home", v)
}

// signOut ends this browser's session; the device stays known, so the next
// sign-in here needs only phone and PIN.
func (h *handlers) signOut(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.acc.Sessions.SignOut(r.Context(), a.Session, client(r)); err != nil {
		return err
	}
	h.cookies.clear(w, h.cookies.session)
	return redirect(w, r, "/signin", url.Values{"msg": {"signed_out"}})
}

// confirmView is what the re-authentication page (account_confirm.html)
// shows.
type confirmView struct {
	Next       string
	Form       form
	HasPasskey bool // offer "Confirm with passkey" (needs JavaScript)
}

// confirmPage asks for the PIN before a sensitive action, then returns to
// ?next. A passkey confirmation can be offered beside it.
func (h *handlers) confirmPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	has, err := h.hasUsablePasskey(r, a)
	if err != nil {
		return err
	}
	return h.s.Render(w, r, http.StatusOK, "account_confirm", confirmView{Next: r.URL.Query().Get("next"), Form: ok(), HasPasskey: has})
}

func (h *handlers) confirmPIN(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	v := confirmView{Next: r.PostForm.Get("next")}
	err := h.allow(r)
	if err == nil {
		_, err = h.acc.ReauthenticateWithPIN(r.Context(), a.Session, r.PostForm.Get("pin"), client(r))
	}
	if err != nil {
		if v.Form, err = h.pageError(w, r, err); err != nil {
			return err
		}
		if v.HasPasskey, err = h.hasUsablePasskey(r, a); err != nil {
			return err
		}
		return h.s.Render(w, r, v.Form.Status, "account_confirm", v)
	}
	return redirect(w, r, nextPath(v.Next), nil)
}

// pageError is formError for the cabinet's pages, with Retry-After.
func (h *handlers) pageError(w http.ResponseWriter, r *http.Request, err error) (form, error) {
	f, ferr := h.formError(r, err)
	if ferr == nil {
		h.retryAfter(w, err)
	}
	return f, ferr
}

// pinPage asks for a new PIN; the citizen confirms with the current one
// first when the last check is older than account.ReauthMaxAge.
func (h *handlers) pinPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	if h.recent(a) != nil {
		return h.confirm(w, r, "/account/pin")
	}
	return h.s.Render(w, r, http.StatusOK, "account_pin", confirmView{Form: ok()})
}

func (h *handlers) changePIN(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	pin := r.PostForm.Get("pin")
	err := h.recent(a)
	if err == nil {
		err = account.CheckPIN(pin)
	}
	if err == nil && pin != r.PostForm.Get("pin2") {
		err = mismatch()
	}
	if err == nil {
		err = h.acc.ChangePIN(r.Context(), a.Session, pin, client(r))
	}
	if digitalid.ErrorCode(err) == digitalid.EFORBIDDEN {
		return h.confirm(w, r, "/account/pin")
	}
	if err != nil {
		v := confirmView{}
		if v.Form, err = h.pageError(w, r, err); err != nil {
			return err
		}
		return h.s.Render(w, r, v.Form.Status, "account_pin", v)
	}
	return redirect(w, r, "/account/security", url.Values{"msg": {"pin_changed"}})
}

// notificationsView is what account_notifications.html shows.
type notificationsView struct {
	Items []notificationItem
}

type notificationItem struct {
	ID, Text, When string
	Unread         bool
}

func (h *handlers) notificationsPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	list, err := h.notifications(r, a, false, 0)
	if err != nil {
		return err
	}
	v := notificationsView{}
	for _, n := range list {
		v.Items = append(v.Items, notificationItem{ID: n.ID, Text: n.Text, When: when(n.CreatedAt), Unread: n.ReadAt == nil})
	}
	return h.s.Render(w, r, http.StatusOK, "account_notifications", v)
}

func (h *handlers) readNotification(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.acc.Notifications.MarkRead(r.Context(), a.Citizen.ID, r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/account/notifications", nil)
}
