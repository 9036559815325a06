package citizen

import (
	"net/http"
	"net/url"

	"github.com/digitalid/digitalid"
)

// Passkeys on the security page. Listing, renaming and removing are plain
// forms; adding a passkey, signing in and confirming with one need the
// browser's WebAuthn API, which static/passkey.js drives through the JSON
// API.

// passkeyItem is a passkey as the security page shows it.
type passkeyItem struct {
	ID, Name, Created, LastUsed, Blocked string
	Synced                               bool
}

// addPasskeys puts the citizen's passkeys on the security page, if the
// server has passkeys at all.
func (h *handlers) addPasskeys(r *http.Request, a Auth, v *securityView) error {
	if h.acc.Passkeys == nil {
		return nil
	}
	v.PasskeysOn = true
	list, err := h.passkeyList(r, a)
	if err != nil {
		return err
	}
	for _, p := range list {
		item := passkeyItem{ID: p.ID, Name: p.Name, Created: when(p.CreatedAt), Synced: p.Synced}
		if p.LastUsedAt != nil {
			item.LastUsed = when(*p.LastUsedAt)
		}
		if p.BlockedAt != nil {
			item.Blocked = when(*p.BlockedAt)
		}
		v.Passkeys = append(v.Passkeys, item)
	}
	return nil
}

// hasUsablePasskey reports whether the citizen could confirm with a
// passkey: passkeys are on and one of theirs is not on a blocked device.
func (h *handlers) hasUsablePasskey(r *http.Request, a Auth) (bool, error) {
	if h.acc.Passkeys == nil {
		return false, nil
	}
	list, err := h.acc.Passkeys.List(r.Context(), a.Citizen.ID)
	if err != nil {
		return false, err
	}
	for _, p := range list {
		if !p.Blocked() {
			return true, nil
		}
	}
	return false, nil
}

func (h *handlers) renamePasskey(w http.ResponseWriter, r *http.Request, a Auth) error {
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := r.PathValue("id")
	err = pk.Rename(r.Context(), a.Session, id, r.PostForm.Get("name"), client(r))
	if digitalid.ErrorCode(err) == digitalid.EINVALID {
		v, verr := h.security(r, a)
		if verr != nil {
			return verr
		}
		if v.Form, err = h.pageError(w, r, err); err != nil {
			return err
		}
		v.Passkey = id
		return h.s.Render(w, r, v.Form.Status, "account_security", v)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/account/security", url.Values{"msg": {"passkey_renamed"}})
}

// removePasskey removes a passkey; without a recent re-authentication the
// citizen confirms first and comes back to the security page.
func (h *handlers) removePasskey(w http.ResponseWriter, r *http.Request, a Auth) error {
	pk, err := h.passkeys()
	if err != nil {
		return err
	}
	if err := h.recent(a); err != nil {
		return h.confirm(w, r, "/account/security")
	}
	if err := pk.Remove(r.Context(), a.Session, r.PathValue("id"), client(r)); err != nil {
		return err
	}
	return redirect(w, r, "/account/security", url.Values{"msg": {"passkey_removed"}})
}
