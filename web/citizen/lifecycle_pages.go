package citizen

import (
	"net/http"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

// lifecycleView is what the deletion, phone change and restore pages
// (account_delete, account_phone, restore) show.
type lifecycleView struct {
	Form  form
	Step  string // phone change and restore: "phone" or "code"; "done" when finished
	Phone string // the number of the step (E.164), carried to the next
	Until string // deletion: the end of the restore window
	// Phone change without the old phone (lost): the new number's code,
	// the PIN and a passkey (static/phone.js) instead of the old code.
	Lost    bool
	CanLose bool // the citizen has a usable passkey, so may choose Lost
	// Restore: Step "check" asks for what the account needs (restore_check.go).
	Check restoreCheckView
}

// lifeRender shows page name with v, its status from v.Form.
func (h *handlers) lifeRender(w http.ResponseWriter, r *http.Request, name string, v lifecycleView) error {
	return h.s.Render(w, r, v.Form.Status, name, v)
}

// lifeRefuse shows page name again with the refusal err (or fails for a fault).
func (h *handlers) lifeRefuse(w http.ResponseWriter, r *http.Request, name string, v lifecycleView, err error) error {
	var ferr error
	if v.Form, ferr = h.pageError(w, r, err); ferr != nil {
		return ferr
	}
	return h.lifeRender(w, r, name, v)
}

// deletePage explains deletion — 30 days to restore, then the data key is
// destroyed — and asks for confirmation; a stale session confirms first.
func (h *handlers) deletePage(w http.ResponseWriter, r *http.Request, a Auth) error {
	if h.recent(a) != nil {
		return h.confirm(w, r, "/account/delete")
	}
	return h.lifeRender(w, r, "account_delete", lifecycleView{Form: ok(), Until: when(h.now().Add(account.RestoreWindow))})
}

func (h *handlers) deleteAccount(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	v := lifecycleView{Form: ok(), Until: when(h.now().Add(account.RestoreWindow))}
	if r.PostForm.Get("understood") != "yes" {
		return h.lifeRefuse(w, r, "account_delete", v, fieldErr("understood", "citizen.delete.unconfirmed",
			"Tick the box to confirm that you understand.", nil))
	}
	err := h.acc.DeleteAccount(r.Context(), a.Session, client(r))
	if digitalid.ErrorCode(err) == digitalid.EFORBIDDEN {
		return h.confirm(w, r, "/account/delete")
	}
	if err != nil {
		return h.lifeRefuse(w, r, "account_delete", v, err)
	}
	h.cookies.clear(w, h.cookies.session)
	v.Step = "done"
	return h.lifeRender(w, r, "account_delete", v)
}

// phonePage asks for the new number.
func (h *handlers) phonePage(w http.ResponseWriter, r *http.Request, a Auth) error {
	v := lifecycleView{Form: ok(), Step: "phone"}
	var err error
	if v.CanLose, err = h.hasUsablePasskey(r, a); err != nil {
		return err
	}
	return h.lifeRender(w, r, "account_phone", v)
}

// beginPhoneChange texts the codes to both numbers and asks for them; when
// the citizen lost the old phone (old_phone_lost=yes, offered only with a
// usable passkey) only the new number gets a code and the next step asks
// for the PIN and a passkey (phone_lost.go).
func (h *handlers) beginPhoneChange(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	v, err := h.lostPhoneView(r, a)
	if err != nil {
		return err
	}
	var phone string
	err = h.allow(r)
	if err == nil {
		phone, err = h.phone(r.PostForm.Get("phone"))
	}
	if err == nil {
		_, err = h.acc.BeginPhoneChange(r.Context(), a.Session, account.PhoneChangeStart{NewPhone: phone, OldPhoneLost: v.Lost})
	}
	if err != nil {
		return h.lifeRefuse(w, r, "account_phone", v, err)
	}
	v.Step, v.Phone = "code", phone
	return h.lifeRender(w, r, "account_phone", v)
}

func (h *handlers) confirmPhoneChange(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	v := lifecycleView{Form: ok(), Step: "code", Phone: f.Get("phone"), Lost: f.Get("old_phone_lost") == "yes"}
	err := h.allow(r)
	if err == nil {
		_, err = h.confirmPhone(r, a, lostPhoneConfirm(v, f))
	}
	if err != nil {
		return h.lifeRefuse(w, r, "account_phone", v, err)
	}
	v.Step = "done"
	return h.lifeRender(w, r, "account_phone", v)
}

// restorePage asks for the number of the deleted account.
func (h *handlers) restorePage(w http.ResponseWriter, r *http.Request) error {
	return h.lifeRender(w, r, "restore", lifecycleView{Form: ok(), Step: "phone"})
}

// restorePhone texts a restore code (only if the number has a deleted
// account; the page is the same either way) and asks for it; the next step
// (restore_check.go) asks for the PIN and what else the account needs.
func (h *handlers) restorePhone(w http.ResponseWriter, r *http.Request) error {
	if err := h.allow(r); err != nil {
		return h.lifeRefuse(w, r, "restore", lifecycleView{Step: "phone"}, err)
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	v := lifecycleView{Form: ok(), Step: "phone"}
	if _, err := h.restoreCode(r, r.PostForm.Get("phone"), ""); err != nil {
		return h.lifeRefuse(w, r, "restore", v, err)
	}
	v.Step, v.Phone = "code", r.PostForm.Get("phone")
	return h.lifeRender(w, r, "restore", v)
}
