package account

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/sms"
)

// Kind names what a notification is about; the web package translates it.
type Kind string

// Security notifications the account services add themselves.
const (
	KindNewDevice     Kind = "new_device"     // signed in on a new device; params: device
	KindPINLocked     Kind = "pin_locked"     // too many wrong PINs; params: minutes
	KindDeviceBlocked Kind = "device_blocked" // a device was blocked; params: device
)

// sendsSMS reports whether a kind is important enough to be texted to the
// citizen as well: each of these means someone else may be in the account.
func (k Kind) sendsSMS() bool {
	switch k {
	case KindNewDevice, KindPINLocked, KindDeviceBlocked:
		return true
	}
	return false
}

// Notification is one entry of a citizen's inbox in the cabinet. Params hold
// ids and small numbers only, never personal data (they obey the audit log's
// rules, see audit.ValidateDetails).
type Notification struct {
	ID        string
	CitizenID string
	Kind      Kind
	Params    map[string]string
	CreatedAt time.Time
	ReadAt    time.Time // zero while unread
}

// Notification list bounds.
const (
	DefaultNotificationLimit = 50
	MaxNotificationLimit     = 200
)

// NotificationStore keeps the inbox. store.DB implements it.
type NotificationStore interface {
	// AddNotification stores n. Returns ECONFLICT if its id is taken.
	AddNotification(ctx context.Context, n Notification) error
	// ListNotifications returns up to limit of the citizen's notifications,
	// newest first, only unread ones when unreadOnly.
	ListNotifications(ctx context.Context, citizenID string, unreadOnly bool, limit int) ([]Notification, error)
	// MarkNotificationRead sets ReadAt to at if it is not set yet. Returns
	// ENOTFOUND if the citizen has no notification with that id.
	MarkNotificationRead(ctx context.Context, citizenID, id string, at time.Time) error
	// CountUnreadNotifications counts the citizen's unread notifications.
	CountUnreadNotifications(ctx context.Context, citizenID string) (int, error)
}

// Notifications is the citizen's inbox of security events. Add also texts
// the most important kinds to the citizen's phone.
type Notifications struct {
	store    NotificationStore
	citizens *Citizens
	sms      sms.Sender
	texts    texts
	now      digitalid.Clock
	log      *slog.Logger
}

// NewNotifications returns the inbox service. A nil clock is the system
// clock; a nil logger discards.
func NewNotifications(st NotificationStore, citizens *Citizens, sender sms.Sender, clock digitalid.Clock, logger *slog.Logger) (*Notifications, error) {
	if st == nil || citizens == nil || sender == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: notifications need a store, citizens and an SMS sender")
	}
	t, err := loadTexts()
	if err != nil {
		return nil, err
	}
	return &Notifications{store: st, citizens: citizens, sms: sender, texts: t, now: orSystemClock(clock), log: orDiscard(logger)}, nil
}

// Add puts a notification in the citizen's inbox and, for the important
// kinds, texts it to the citizen in their language. A failed SMS is logged,
// not returned: the notification is stored either way. Returns EINVALID for
// a bad kind or params.
func (ns *Notifications) Add(ctx context.Context, citizenID string, kind Kind, params map[string]string) (Notification, error) {
	if !tokenPattern(string(kind)) {
		return Notification{}, fieldError("kind", "account.notification.kind", "The notification kind is not valid.")
	}
	if err := audit.ValidateDetails(params); err != nil {
		return Notification{}, fmt.Errorf("account: notification params: %w", err)
	}
	n := Notification{
		ID: NewID("n_"), CitizenID: citizenID, Kind: kind,
		Params: maps.Clone(params), CreatedAt: ns.now(),
	}
	if n.Params == nil {
		n.Params = map[string]string{}
	}
	if err := ns.store.AddNotification(ctx, n); err != nil {
		return Notification{}, fmt.Errorf("account: add notification: %w", err)
	}
	if kind.sendsSMS() {
		ns.text(ctx, citizenID, string(kind), params)
	}
	return n, nil
}

// text sends text name to the citizen's phone, logging a failure.
func (ns *Notifications) text(ctx context.Context, citizenID, name string, params map[string]string) {
	c, err := ns.citizens.Get(ctx, citizenID)
	if err == nil {
		err = ns.sms.Send(ctx, sms.Message{To: c.Phone, Body: ns.texts.format(c.Lang, name, params), Purpose: "notice_" + name})
	}
	if err != nil {
		ns.log.WarnContext(ctx, "notification SMS not sent", "citizen", citizenID, "kind", name, "err", err)
	}
}

// List returns the citizen's notifications, newest first: at most limit
// (0: DefaultNotificationLimit), only unread ones when unreadOnly. Returns
// EINVALID for a limit above MaxNotificationLimit.
func (ns *Notifications) List(ctx context.Context, citizenID string, unreadOnly bool, limit int) ([]Notification, error) {
	if limit == 0 {
		limit = DefaultNotificationLimit
	}
	if limit < 0 || limit > MaxNotificationLimit {
		return nil, fieldError("limit", "account.limit.invalid", fmt.Sprintf("The limit must be between 1 and %d.", MaxNotificationLimit))
	}
	list, err := ns.store.ListNotifications(ctx, citizenID, unreadOnly, limit)
	return list, wrapErr("list notifications", err)
}

// MarkRead marks one of the citizen's notifications read (again: no-op).
// Returns ENOTFOUND if the citizen has none with that id.
func (ns *Notifications) MarkRead(ctx context.Context, citizenID, id string) error {
	return wrapErr("mark notification read", ns.store.MarkNotificationRead(ctx, citizenID, id, ns.now()))
}

// Unread counts the citizen's unread notifications, for a badge.
func (ns *Notifications) Unread(ctx context.Context, citizenID string) (int, error) {
	n, err := ns.store.CountUnreadNotifications(ctx, citizenID)
	return n, wrapErr("count notifications", err)
}

// tokenPattern accepts 1 to 32 of [a-z0-9_] starting with a letter.
func tokenPattern(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
