package citizen

import (
	"context"
	"net/http"
	"strconv"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/web"
)

func (h *handlers) apiMe(w http.ResponseWriter, r *http.Request, a Auth) error {
	unread, err := h.acc.Notifications.Unread(r.Context(), a.Citizen.ID)
	if err != nil {
		return err
	}
	c := a.Citizen
	me := meJSON{
		ID: c.ID, Assurance: string(c.Assurance), Lang: c.Lang, PhoneMasked: maskPhone(c.Phone),
		CreatedAt: c.CreatedAt, Unread: unread, Session: newSessionJSON(a.Session, a.Session.ID, ""),
	}
	if age, ok := c.Age(h.now()); ok {
		me.Age = &age
	}
	return web.WriteJSON(w, http.StatusOK, me)
}

// apiChangePIN sets a new PIN; it needs a re-authentication in the last
// five minutes (POST /api/v1/auth/reauth).
func (h *handlers) apiChangePIN(w http.ResponseWriter, r *http.Request, a Auth) error {
	var req pinRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := h.acc.ChangePIN(r.Context(), a.Session, req.PIN, client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deviceNames maps the citizen's device ids to their names.
func (h *handlers) deviceNames(ctx context.Context, citizenID string) (map[string]string, []account.Device, error) {
	devices, err := h.acc.Sessions.Devices(ctx, citizenID)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(devices))
	for _, d := range devices {
		names[d.ID] = d.Name
	}
	return names, devices, nil
}

// sessionList returns the citizen's open sessions as the API shows them.
func (h *handlers) sessionList(ctx context.Context, a Auth) ([]sessionJSON, error) {
	list, err := h.acc.Sessions.List(ctx, a.Citizen.ID)
	if err != nil {
		return nil, err
	}
	names, _, err := h.deviceNames(ctx, a.Citizen.ID)
	if err != nil {
		return nil, err
	}
	out := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		out = append(out, newSessionJSON(s, a.Session.ID, names[s.DeviceID]))
	}
	return out, nil
}

func (h *handlers) apiSessions(w http.ResponseWriter, r *http.Request, a Auth) error {
	list, err := h.sessionList(r.Context(), a)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]sessionJSON{"sessions": list})
}

// apiEndSession ends one of the citizen's sessions; another citizen's
// session is as unknown as one that never existed (404).
func (h *handlers) apiEndSession(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.acc.Sessions.End(r.Context(), a.Session, r.PathValue("id"), client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deviceList returns the citizen's devices as the API shows them.
func (h *handlers) deviceList(ctx context.Context, a Auth) ([]deviceJSON, error) {
	devices, err := h.acc.Sessions.Devices(ctx, a.Citizen.ID)
	if err != nil {
		return nil, err
	}
	out := make([]deviceJSON, 0, len(devices))
	for _, d := range devices {
		out = append(out, newDeviceJSON(d, a.Session.DeviceID))
	}
	return out, nil
}

func (h *handlers) apiDevices(w http.ResponseWriter, r *http.Request, a Auth) error {
	list, err := h.deviceList(r.Context(), a)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]deviceJSON{"devices": list})
}

// renameRequest is the body of PATCH /api/v1/devices/{id}.
type renameRequest struct {
	Name string `json:"name"`
}

func (h *handlers) apiRenameDevice(w http.ResponseWriter, r *http.Request, a Auth) error {
	var req renameRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.acc.Sessions.RenameDevice(r.Context(), a.Session, id, req.Name); err != nil {
		return err
	}
	d, err := h.acc.Sessions.Device(r.Context(), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, newDeviceJSON(d, a.Session.DeviceID))
}

// apiBlockDevice blocks a lost device: its sessions end at once.
func (h *handlers) apiBlockDevice(w http.ResponseWriter, r *http.Request, a Auth) error {
	d, err := h.acc.Sessions.BlockDevice(r.Context(), a.Session, r.PathValue("id"), client(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, newDeviceJSON(d, a.Session.DeviceID))
}

// apiNotifications lists the inbox: ?unread=true for unread ones only,
// ?limit=N (1 to 200, default 50).
func (h *handlers) apiNotifications(w http.ResponseWriter, r *http.Request, a Auth) error {
	q := r.URL.Query()
	unread, limit := false, 0
	if v := q.Get("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fieldErr("unread", "citizen.unread.invalid", "unread must be true or false.", err)
		}
		unread = b
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fieldErr("limit", "account.limit.invalid", "The limit must be between 1 and 200.", err)
		}
		limit = n
	}
	list, err := h.notifications(r, a, unread, limit)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string][]notificationJSON{"notifications": list})
}

// notifications returns the inbox with each entry's text in r's language.
func (h *handlers) notifications(r *http.Request, a Auth, unread bool, limit int) ([]notificationJSON, error) {
	list, err := h.acc.Notifications.List(r.Context(), a.Citizen.ID, unread, limit)
	if err != nil {
		return nil, err
	}
	names, _, err := h.deviceNames(r.Context(), a.Citizen.ID)
	if err != nil {
		return nil, err
	}
	out := make([]notificationJSON, 0, len(list))
	for _, n := range list {
		out = append(out, notificationJSON{
			ID: n.ID, Kind: string(n.Kind), Params: n.Params, Text: h.notificationText(r, n, names),
			CreatedAt: n.CreatedAt, ReadAt: optTime(n.ReadAt),
		})
	}
	return out, nil
}

// notificationText says what a notification is about, naming the device.
func (h *handlers) notificationText(r *http.Request, n account.Notification, names map[string]string) string {
	device := names[n.Params["device"]]
	if device == "" {
		device = h.s.T(r, "notification.device_unknown")
	}
	switch n.Kind {
	case account.KindNewDevice:
		return h.s.T(r, "notification.new_device", device)
	case account.KindDeviceBlocked:
		return h.s.T(r, "notification.device_blocked", device)
	case account.KindPINLocked:
		return h.s.T(r, "notification.pin_locked", n.Params["minutes"])
	case account.KindAccountDeleted:
		return h.s.T(r, "notification.account_deleted", n.Params["days"])
	case account.KindAccountRestored:
		return h.s.T(r, "notification.account_restored", device)
	case account.KindPhoneChanged:
		return h.s.T(r, "notification.phone_changed")
	case account.KindDocumentAdded, account.KindDocumentChanged, account.KindDocumentRevoked:
		return h.s.T(r, "notification."+string(n.Kind))
	}
	// Kinds of other packages (trusted contacts, ...) take no params and
	// are translated as notification.KIND when their message file has it.
	if key := "notification." + string(n.Kind); h.s.T(r, key) != key {
		return h.s.T(r, key)
	}
	return h.s.T(r, "notification.other")
}

func (h *handlers) apiReadNotification(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := h.acc.Notifications.MarkRead(r.Context(), a.Citizen.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
