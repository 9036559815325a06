package storetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
)

// SMS exercises every sms outbox method of the store: insert (and its
// conflict and validation errors), list with each filter, the order and the
// limit, and delete-before.
func SMS(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	alice, bob := []byte("mac-alice-32-bytes-long-enough.."), []byte("mac-bob")
	msg := func(id string, mac []byte, at time.Time) sms.SealedMessage {
		return sms.SealedMessage{
			ID: id, Purpose: "otp", ToMAC: mac,
			To: []byte("sealed-to-" + id), Body: []byte{0, 1, 2, 0xff, byte(len(id))}, CreatedAt: at,
		}
	}
	// Inserted in this order; a2 and a3 share a time, so seq decides.
	all := []sms.SealedMessage{
		msg("a1", alice, t0),
		msg("b1", bob, t0.Add(time.Second)),
		msg("a2", alice, t0.Add(2*time.Second)),
		msg("a3", alice, t0.Add(2*time.Second)),
	}
	for _, m := range all {
		if err := db.InsertOutboxSMS(ctx, m); err != nil {
			t.Fatalf("InsertOutboxSMS(%s) = %v", m.ID, err)
		}
	}

	t.Run("insert errors", func(t *testing.T) {
		dup := msg("a1", bob, t0)
		if err := db.InsertOutboxSMS(ctx, dup); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
			t.Errorf("InsertOutboxSMS(duplicate id) = %v, want %s", err, digitalid.ECONFLICT)
		}
		bad := msg("x1", alice, t0)
		bad.Body = nil
		if err := db.InsertOutboxSMS(ctx, bad); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("InsertOutboxSMS(no body) = %v, want %s", err, digitalid.EINVALID)
		}
	})

	t.Run("list", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			q    sms.OutboxQuery
			want []string
		}{
			{"all newest first", sms.OutboxQuery{Limit: 10}, []string{"a3", "a2", "b1", "a1"}},
			{"limit", sms.OutboxQuery{Limit: 2}, []string{"a3", "a2"}},
			{"by recipient", sms.OutboxQuery{ToMAC: alice, Limit: 10}, []string{"a3", "a2", "a1"}},
			{"latest of recipient", sms.OutboxQuery{ToMAC: bob, Limit: 1}, []string{"b1"}},
			{"unknown recipient", sms.OutboxQuery{ToMAC: []byte("nobody"), Limit: 10}, nil},
			{"since is inclusive", sms.OutboxQuery{Since: t0.Add(time.Second), Limit: 10}, []string{"a3", "a2", "b1"}},
			{"recipient and since", sms.OutboxQuery{ToMAC: alice, Since: t0.Add(time.Microsecond), Limit: 10}, []string{"a3", "a2"}},
			{"since in the future", sms.OutboxQuery{Since: t0.Add(time.Hour), Limit: 10}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := db.ListOutboxSMS(ctx, tc.q)
				if err != nil {
					t.Fatalf("ListOutboxSMS(%+v) = %v", tc.q, err)
				}
				if ids := smsIDs(got); fmt.Sprint(ids) != fmt.Sprint(tc.want) {
					t.Errorf("ListOutboxSMS(%+v) ids = %v, want %v", tc.q, ids, tc.want)
				}
			})
		}
		if _, err := db.ListOutboxSMS(ctx, sms.OutboxQuery{}); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("ListOutboxSMS(limit 0) = %v, want %s", err, digitalid.EINVALID)
		}
	})

	t.Run("round trip", func(t *testing.T) {
		got, err := db.ListOutboxSMS(ctx, sms.OutboxQuery{ToMAC: bob, Limit: 1})
		if err != nil || len(got) != 1 {
			t.Fatalf("ListOutboxSMS(bob) = %v, %v; want one message", got, err)
		}
		want := all[1]
		g := got[0]
		if g.ID != want.ID || g.Purpose != want.Purpose || !g.CreatedAt.Equal(want.CreatedAt) ||
			!bytes.Equal(g.ToMAC, want.ToMAC) || !bytes.Equal(g.To, want.To) || !bytes.Equal(g.Body, want.Body) {
			t.Errorf("ListOutboxSMS(bob) = %+v, want %+v", g, want)
		}
	})

	t.Run("delete before", func(t *testing.T) {
		// Strictly before: a message stored exactly at the bound stays.
		n, err := db.DeleteOutboxSMSBefore(ctx, t0.Add(time.Second))
		if err != nil || n != 1 {
			t.Fatalf("DeleteOutboxSMSBefore(t0+1s) = %d, %v; want 1, nil", n, err)
		}
		got, err := db.ListOutboxSMS(ctx, sms.OutboxQuery{Limit: 10})
		if err != nil {
			t.Fatalf("ListOutboxSMS after delete = %v", err)
		}
		if ids := smsIDs(got); fmt.Sprint(ids) != "[a3 a2 b1]" {
			t.Errorf("ListOutboxSMS after delete ids = %v, want [a3 a2 b1]", ids)
		}
		n, err = db.DeleteOutboxSMSBefore(ctx, t0.Add(time.Hour))
		if err != nil || n != 3 {
			t.Errorf("DeleteOutboxSMSBefore(t0+1h) = %d, %v; want 3, nil", n, err)
		}
	})
}

func smsIDs(ms []sms.SealedMessage) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}
