package account_test

import (
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

func TestNotifications(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		c, _ := e.svc.Citizens.Create(e.ctx, phone(1), "ru")
		ns := e.svc.Notifications
		info, err := ns.Add(e.ctx, c.ID, "document_added", map[string]string{"document": "01HV0000000000000000000000"})
		if err != nil {
			t.Fatalf("Add(document_added) = %v", err)
		}
		if e.smsCount(phone(1)) != 0 {
			t.Errorf("Add(document_added) texted the citizen; only security kinds do")
		}
		locked, err := ns.Add(e.ctx, c.ID, account.KindPINLocked, map[string]string{"minutes": "15"})
		if err != nil {
			t.Fatalf("Add(pin_locked) = %v", err)
		}
		if m := e.lastSMS(phone(1)); m.Body == "" || m.Purpose != "notice_pin_locked" || !strings.Contains(m.Body, "15 мин") || !strings.Contains(m.Body, "PIN") {
			t.Errorf("SMS for pin_locked = %q (%s), want the Russian notice with 15 minutes", m.Body, m.Purpose)
		}
		for name, tc := range map[string]struct {
			kind   account.Kind
			params map[string]string
		}{
			"phone in params": {"note", map[string]string{"to": "+77011234567"}},
			"free text":       {"note", map[string]string{"text": "hello there"}},
			"bad kind":        {"Bad Kind", nil},
		} {
			_, err := ns.Add(e.ctx, c.ID, tc.kind, tc.params)
			wantCode(t, "Add("+name+")", err, digitalid.EINVALID)
		}
		list, err := ns.List(e.ctx, c.ID, false, 0)
		if err != nil || len(list) != 2 || list[0].ID != locked.ID || list[1].ID != info.ID {
			t.Fatalf("List = %+v, %v; want pin_locked then document_added", list, err)
		}
		if n, _ := ns.Unread(e.ctx, c.ID); n != 2 {
			t.Errorf("Unread = %d, want 2", n)
		}
		if err := ns.MarkRead(e.ctx, c.ID, info.ID); err != nil {
			t.Fatalf("MarkRead = %v", err)
		}
		wantCode(t, "MarkRead(unknown)", ns.MarkRead(e.ctx, c.ID, "n_nobody"), digitalid.ENOTFOUND)
		if unread, _ := ns.List(e.ctx, c.ID, true, 0); len(unread) != 1 || unread[0].ID != locked.ID {
			t.Errorf("List(unread) = %+v, want pin_locked only", unread)
		}
		_, err = ns.List(e.ctx, c.ID, false, account.MaxNotificationLimit+1)
		wantCode(t, "List(limit too high)", err, digitalid.EINVALID)
	})
}
