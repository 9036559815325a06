package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/store"
)

// Audit exercises every audit method of the store: the append transaction
// (LockHead, InsertEvent and its conflicts, PutHead, rollback on error),
// ListAuditEvents with each option, and the verify snapshot (Events, Heads,
// ChainOpenings paging, undecodable rows, isolation from later appends). The
// store holds no audit rules, so the events here carry placeholder hashes;
// package audit tests the chain itself.
func Audit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	ev := func(chain string, seq int64, action, object string) audit.Event {
		return audit.Event{
			ID: fmt.Sprintf("ev-%s-%d", chain, seq), Chain: chain, Seq: seq, Time: t0.Add(time.Duration(seq) * time.Second),
			Actor:  audit.Actor{Type: audit.ActorVerifier, ID: "v_1"},
			Action: action, Object: object, Result: audit.Success,
			IP: "192.0.2.7", RequestID: "req_" + chain, Details: map[string]string{"purpose": "age_over_18"},
			PrevHash: fmt.Sprintf("prev-%d", seq-1), Hash: fmt.Sprintf("hash-%s-%d", chain, seq),
		}
	}
	// appendAll stores events in one transaction, moving each chain's head.
	appendAll := func(t *testing.T, evs ...audit.Event) {
		t.Helper()
		err := db.AppendAudit(ctx, func(ctx context.Context, tx audit.AppendTx) error {
			for _, e := range evs {
				if _, err := tx.LockHead(ctx, e.Chain); err != nil {
					return fmt.Errorf("LockHead(%s): %w", e.Chain, err)
				}
				if err := tx.InsertEvent(ctx, e); err != nil {
					return fmt.Errorf("InsertEvent(%s): %w", e.ID, err)
				}
				if err := tx.PutHead(ctx, audit.Head{Chain: e.Chain, Seq: e.Seq, Hash: e.Hash, MAC: "mac-" + e.Hash}); err != nil {
					return fmt.Errorf("PutHead(%s): %w", e.Chain, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	var chainA, chainB, system []audit.Event
	for i := int64(1); i <= 5; i++ {
		chainA = append(chainA, ev("c_a", i, []string{"document.read", "consent.grant"}[i%2], "document:d1"))
	}
	for i := int64(1); i <= 3; i++ {
		chainB = append(chainB, ev("c_b", i, "document.read", "document:d2"))
	}
	for i, c := range []string{"c_b", "c_a", "c_z"} {
		system = append(system, ev(audit.SystemChain, int64(i+1), audit.ActionChainOpened, c))
	}
	system[2].Details = nil
	appendAll(t, chainA[:2]...)
	appendAll(t, append(append(chainB, chainA[2:]...), system...)...)

	t.Run("LockHead", func(t *testing.T) {
		_ = db.AppendAudit(ctx, func(ctx context.Context, tx audit.AppendTx) error {
			got, err := tx.LockHead(ctx, "c_a")
			want := audit.Head{Chain: "c_a", Seq: 5, Hash: "hash-c_a-5", MAC: "mac-hash-c_a-5"}
			if err != nil || got != want {
				t.Errorf("LockHead(c_a) = %+v, %v, want %+v", got, err, want)
			}
			got, err = tx.LockHead(ctx, "c_new")
			if want := (audit.Head{Chain: "c_new"}); err != nil || got != want {
				t.Errorf("LockHead(c_new) = %+v, %v, want %+v", got, err, want)
			}
			return errors.New("roll back")
		})
		heads := auditHeads(t, db, "", 100)
		for _, h := range heads {
			if h.Chain == "c_new" {
				t.Errorf("LockHead(c_new) left a head after rollback: %+v", h)
			}
		}
	})

	t.Run("InsertEvent conflicts and rollback", func(t *testing.T) {
		cases := []struct {
			name string
			e    audit.Event
		}{
			{"same chain and seq", func() audit.Event { e := ev("c_a", 3, "document.read", ""); e.ID = "ev-other"; return e }()},
			{"same id", func() audit.Event { e := ev("c_q", 1, "document.read", ""); e.ID = "ev-c_a-1"; return e }()},
		}
		for _, tc := range cases {
			err := db.AppendAudit(ctx, func(ctx context.Context, tx audit.AppendTx) error {
				return tx.InsertEvent(ctx, tc.e)
			})
			if digitalid.ErrorCode(err) != digitalid.ECONFLICT {
				t.Errorf("%s: InsertEvent = %v, want %s", tc.name, err, digitalid.ECONFLICT)
			}
		}
		sentinel := errors.New("fn failed")
		err := db.AppendAudit(ctx, func(ctx context.Context, tx audit.AppendTx) error {
			if err := tx.InsertEvent(ctx, ev("c_rolled", 1, "document.read", "")); err != nil {
				return err
			}
			return sentinel
		})
		if !errors.Is(err, sentinel) {
			t.Errorf("AppendAudit(fn fails) = %v, want %v", err, sentinel)
		}
		if got := auditList(t, db, "c_rolled", audit.ListOptions{Limit: 10}); len(got) != 0 {
			t.Errorf("AppendAudit(fn fails) kept %d events", len(got))
		}
	})

	t.Run("ListAuditEvents", func(t *testing.T) {
		cases := []struct {
			name  string
			chain string
			opts  audit.ListOptions
			want  []audit.Event
		}{
			{"all", "c_a", audit.ListOptions{Limit: 50}, chainA},
			{"limit", "c_a", audit.ListOptions{Limit: 2}, chainA[:2]},
			{"after", "c_a", audit.ListOptions{After: 3, Limit: 50}, chainA[3:]},
			{"before", "c_a", audit.ListOptions{Before: 3, Limit: 50}, chainA[:2]},
			{"between", "c_a", audit.ListOptions{After: 1, Before: 5, Limit: 50}, chainA[1:4]},
			{"descending", "c_a", audit.ListOptions{Descending: true, Limit: 2}, []audit.Event{chainA[4], chainA[3]}},
			{"descending before", "c_a", audit.ListOptions{Descending: true, Before: 3, Limit: 50}, []audit.Event{chainA[1], chainA[0]}},
			{"one action", "c_a", audit.ListOptions{Actions: []string{"consent.grant"}, Limit: 50}, []audit.Event{chainA[0], chainA[2], chainA[4]}},
			{"two actions", "c_a", audit.ListOptions{Actions: []string{"consent.grant", "document.read"}, Limit: 50}, chainA},
			{"other chain", "c_b", audit.ListOptions{Limit: 50}, chainB},
			{"no details", audit.SystemChain, audit.ListOptions{After: 2, Limit: 50}, system[2:]},
			{"unknown chain", "c_none", audit.ListOptions{Limit: 50}, nil},
		}
		for _, tc := range cases {
			got := auditList(t, db, tc.chain, tc.opts)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: ListAuditEvents(%s, %+v) = %s, want %s", tc.name, tc.chain, tc.opts, auditIDs(got), auditIDs(tc.want))
			}
		}
	})

	t.Run("ReadAudit", func(t *testing.T) {
		wantEvents := append(append(append([]audit.Event{}, chainA...), chainB...), system...)
		err := db.ReadAudit(ctx, func(ctx context.Context, r audit.Reader) error {
			var got []audit.Event
			chain, seq := "", int64(0)
			for {
				page, err := r.Events(ctx, chain, seq, 3)
				if err != nil {
					return fmt.Errorf("Events(%q, %d): %w", chain, seq, err)
				}
				got = append(got, page...)
				if len(page) < 3 {
					break
				}
				chain, seq = page[len(page)-1].Chain, page[len(page)-1].Seq
			}
			if !reflect.DeepEqual(got, wantEvents) {
				t.Errorf("Events pages = %s, want %s", auditIDs(got), auditIDs(wantEvents))
			}
			// A later append is not part of the snapshot.
			appendAll(t, ev("c_a", 6, "document.read", ""))
			if page, err := r.Events(ctx, "c_a", 5, 10); err != nil || len(page) != 0 && page[0].Chain == "c_a" {
				t.Errorf("Events(c_a, 5) inside snapshot = %s, %v, want no c_a event", auditIDs(page), err)
			}
			heads, err := r.Heads(ctx, "c_a", 1)
			if want := []audit.Head{{Chain: "c_b", Seq: 3, Hash: "hash-c_b-3", MAC: "mac-hash-c_b-3"}}; err != nil || !reflect.DeepEqual(heads, want) {
				t.Errorf("Heads(c_a, 1) = %+v, %v, want %+v", heads, err, want)
			}
			opens, err := r.ChainOpenings(ctx, "", 2)
			if want := []audit.Event{system[1], system[0]}; err != nil || !reflect.DeepEqual(opens, want) {
				t.Errorf("ChainOpenings(\"\", 2) = %s, %v, want %s", auditIDs(opens), err, auditIDs(want))
			}
			opens, err = r.ChainOpenings(ctx, "c_b", 2)
			if want := system[2:]; err != nil || !reflect.DeepEqual(opens, want) {
				t.Errorf("ChainOpenings(c_b, 2) = %s, %v, want %s", auditIDs(opens), err, auditIDs(want))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("ReadAudit: %v", err)
		}
		if got := auditHeads(t, db, "c_", 1); len(got) != 1 || got[0].Seq != 6 {
			t.Errorf("Heads after the snapshot = %+v, want c_a at seq 6", got)
		}
	})

	t.Run("undecodable rows", func(t *testing.T) {
		for _, tc := range []struct{ name, column, value string }{
			{"time", "at", "yesterday"},
			{"details", "details", `{"n": 1}`},
		} {
			chain := "c_bad_" + tc.name
			appendAll(t, ev(chain, 1, "document.read", ""), ev(chain, 2, "document.read", ""))
			if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf("UPDATE audit_events SET %s = '%s' WHERE id = 'ev-%s-2'", tc.column, tc.value, chain)); err != nil {
				t.Fatalf("tamper %s: %v", tc.column, err)
			}
			_ = db.ReadAudit(ctx, func(ctx context.Context, r audit.Reader) error {
				page, err := r.Events(ctx, chain, 0, 10)
				var re *audit.RowError
				if !errors.As(err, &re) || re.Chain != chain || re.Seq != 2 || re.ID != "ev-"+chain+"-2" {
					t.Errorf("%s: Events over a bad row: error %v, want *audit.RowError at %s seq 2", tc.name, err, chain)
				}
				if len(page) != 1 || page[0].Seq != 1 {
					t.Errorf("%s: Events over a bad row returned %s, want the one event before it", tc.name, auditIDs(page))
				}
				return nil
			})
			if _, err := db.ListAuditEvents(ctx, chain, audit.ListOptions{Limit: 10}); !errors.As(err, new(*audit.RowError)) {
				t.Errorf("%s: ListAuditEvents over a bad row = %v, want *audit.RowError", tc.name, err)
			}
		}
	})
}

func auditList(t *testing.T, db *store.DB, chain string, opts audit.ListOptions) []audit.Event {
	t.Helper()
	got, err := db.ListAuditEvents(context.Background(), chain, opts)
	if err != nil {
		t.Fatalf("ListAuditEvents(%s, %+v): %v", chain, opts, err)
	}
	return got
}

func auditHeads(t *testing.T, db *store.DB, after string, limit int) []audit.Head {
	t.Helper()
	var out []audit.Head
	err := db.ReadAudit(context.Background(), func(ctx context.Context, r audit.Reader) error {
		var err error
		out, err = r.Heads(ctx, after, limit)
		return err
	})
	if err != nil {
		t.Fatalf("Heads(%q, %d): %v", after, limit, err)
	}
	return out
}

func auditIDs(evs []audit.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}
