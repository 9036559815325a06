package citizen

import (
	"net/http"
	"net/url"

	"github.com/digitalid/digitalid"
)

// securityView is what the security page (account_security.html) shows:
// the PIN, passkeys, open sessions and devices.
type securityView struct {
	PINLockedUntil string
	Sessions       []sessionItem
	Devices        []deviceItem
	Msg            string
	Form           form   // a refused rename
	Device         string // the device the refusal is about
	PasskeysOn     bool   // the server has passkeys
	Passkeys       []passkeyItem
	Passkey        string // the passkey a refused rename is about
}

type sessionItem struct {
	ID, Device, Created, LastSeen string
	Current                       bool
}

type deviceItem struct {
	ID, Name, Created, LastSeen, Blocked string
	Current                              bool
}

// security gathers the security page's data.
func (h *handlers) security(r *http.Request, a Auth) (securityView, error) {
	v := securityView{Msg: flash(r), Form: ok()}
	st, err := h.acc.PINs.Status(r.Context(), a.Citizen.ID)
	if err != nil {
		return v, err
	}
	v.PINLockedUntil = when(st.LockedUntil)
	sessions, err := h.sessionList(r.Context(), a)
	if err != nil {
		return v, err
	}
	for _, s := range sessions {
		v.Sessions = append(v.Sessions, sessionItem{ID: s.ID, Device: s.DeviceName, Created: when(s.CreatedAt),
			LastSeen: when(s.LastSeenAt), Current: s.Current})
	}
	devices, err := h.deviceList(r.Context(), a)
	if err != nil {
		return v, err
	}
	for _, d := range devices {
		item := deviceItem{ID: d.ID, Name: d.Name, Created: when(d.CreatedAt), LastSeen: when(d.LastSeenAt), Current: d.Current}
		if d.BlockedAt != nil {
			item.Blocked = when(*d.BlockedAt)
		}
		v.Devices = append(v.Devices, item)
	}
	return v, h.addPasskeys(r, a, &v)
}

func (h *handlers) securityPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	v, err := h.security(r, a)
	if err != nil {
		return err
	}
	return h.s.Render(w, r, http.StatusOK, "account_security", v)
}

// endSession ends one of the citizen's sessions; ending this one signs out.
func (h *handlers) endSession(w http.ResponseWriter, r *http.Request, a Auth) error {
	id := r.PathValue("id")
	if err := h.acc.Sessions.End(r.Context(), a.Session, id, client(r)); err != nil {
		return err
	}
	if id == a.Session.ID {
		h.cookies.clear(w, h.cookies.session)
		return redirect(w, r, "/signin", url.Values{"msg": {"signed_out"}})
	}
	return redirect(w, r, "/account/security", url.Values{"msg": {"session_ended"}})
}

func (h *handlers) renameDevice(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := r.PathValue("id")
	err := h.acc.Sessions.RenameDevice(r.Context(), a.Session, id, r.PostForm.Get("name"))
	if digitalid.ErrorCode(err) == digitalid.EINVALID {
		v, verr := h.security(r, a)
		if verr != nil {
			return verr
		}
		if v.Form, err = h.pageError(w, r, err); err != nil {
			return err
		}
		v.Device = id
		return h.s.Render(w, r, v.Form.Status, "account_security", v)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/account/security", url.Values{"msg": {"device_renamed"}})
}

// blockView is the confirmation page for blocking a lost device.
type blockView struct {
	Device deviceItem
}

// blockPage asks the citizen to confirm blocking a device: it cannot be
// undone, and every session of the device ends at once.
func (h *handlers) blockPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	v, err := h.security(r, a)
	if err != nil {
		return err
	}
	for _, d := range v.Devices {
		if d.ID != r.PathValue("id") {
			continue
		}
		if d.Blocked != "" {
			return redirect(w, r, "/account/security", nil)
		}
		return h.s.Render(w, r, http.StatusOK, "account_block", blockView{Device: d})
	}
	return &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "error.not_found", Message: "There is nothing at this address."}
}

// blockDevice blocks a lost device. Blocking this browser's own device
// signs it out and forgets the device.
func (h *handlers) blockDevice(w http.ResponseWriter, r *http.Request, a Auth) error {
	id := r.PathValue("id")
	if _, err := h.acc.Sessions.BlockDevice(r.Context(), a.Session, id, client(r)); err != nil {
		return err
	}
	if id == a.Session.DeviceID {
		h.cookies.clear(w, h.cookies.session)
		h.cookies.clear(w, h.cookies.device)
		return redirect(w, r, "/signin", url.Values{"msg": {"device_blocked"}})
	}
	return redirect(w, r, "/account/security", url.Values{"msg": {"device_blocked"}})
}
