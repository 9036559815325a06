package audit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// fixture appends two citizen chains and a system event:
//
//	c_1:    seq 1..5
//	c_2:    seq 1..3
//	system: 1 chain.opened c_1, 2 chain.opened c_2, 3 key.rotate
//
// and returns the stored events by "chain/seq".
func fixture(t *testing.T, l *audit.Log) map[string]audit.Event {
	t.Helper()
	evs := map[string]audit.Event{}
	add := func(e audit.Event) {
		got := mustAppend(t, l, e)
		evs[fmt.Sprintf("%s/%d", got.Chain, got.Seq)] = got
	}
	for range 5 {
		add(read("c_1"))
	}
	for range 3 {
		add(read("c_2"))
	}
	add(audit.Event{Actor: audit.Actor{Type: audit.ActorSystem}, Action: "key.rotate", Object: "key:k2", Result: audit.Success})
	ctx := context.Background()
	for _, c := range []string{"c_1", "c_2"} {
		for _, e := range mustList(t, l, ctx, c) {
			evs[fmt.Sprintf("%s/%d", e.Chain, e.Seq)] = e
		}
	}
	for _, e := range mustList(t, l, ctx, audit.SystemChain) {
		evs[fmt.Sprintf("%s/%d", e.Chain, e.Seq)] = e
	}
	return evs
}

func mustList(t *testing.T, l *audit.Log, ctx context.Context, chain string) []audit.Event {
	t.Helper()
	evs, err := l.List(ctx, chain, audit.ListOptions{})
	if err != nil {
		t.Fatalf("List(%s): %v", chain, err)
	}
	return evs
}

func TestVerifyIntact(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		l := newLog(t, db)
		fixture(t, l)
		var last audit.VerifyProgress
		res, err := l.Verify(context.Background(), func(p audit.VerifyProgress) { last = p })
		want := audit.VerifyResult{Chains: 3, Events: 11}
		if err != nil || res != want {
			t.Fatalf("Verify = %+v, %v; want %+v", res, err, want)
		}
		if last != (audit.VerifyProgress{Chains: 3, Events: 11}) {
			t.Errorf("Verify last progress = %+v, want 3 chains, 11 events", last)
		}
		if s := res.String(); s != "audit log intact: 3 chains, 11 events verified" {
			t.Errorf("VerifyResult.String() = %q", s)
		}
		other, err := audit.New(db, []byte("another-key-another-key-another-key"), stepClock())
		if err != nil {
			t.Fatal(err)
		}
		res, err = other.Verify(context.Background(), nil)
		if err != nil || res.OK() || res.Broken.Chain != "c_1" || res.Broken.Seq != 1 || res.Broken.Reason != audit.ReasonHashMismatch {
			t.Errorf("Verify with the wrong key = %v, %v; want a hash mismatch at c_1 seq 1", res, err)
		}
	})
}

func TestVerifyEmpty(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		res, err := newLog(t, db).Verify(context.Background(), nil)
		if err != nil || res != (audit.VerifyResult{}) {
			t.Errorf("Verify(empty log) = %+v, %v; want intact and nothing checked", res, err)
		}
	})
}

// TestVerifyDetectsTampering edits the database directly, as someone with
// write access but without the MAC key would, and checks that Verify names
// the first broken link.
func TestVerifyDetectsTampering(t *testing.T) {
	type want struct {
		chain  string
		seq    int64
		event  string // "chain/seq" of the event named, "" for none
		reason audit.Reason
	}
	cases := []struct {
		name   string
		tamper func(evs map[string]audit.Event) []string
		want   want
	}{
		{"edit a details value", func(map[string]audit.Event) []string {
			return []string{`UPDATE audit_events SET details = '{"purpose":"student"}' WHERE chain = 'c_1' AND seq = 3`}
		}, want{"c_1", 3, "c_1/3", audit.ReasonHashMismatch}},
		{"change the action", func(map[string]audit.Event) []string {
			return []string{`UPDATE audit_events SET action = 'document.list' WHERE chain = 'c_1' AND seq = 2`}
		}, want{"c_1", 2, "c_1/2", audit.ReasonHashMismatch}},
		{"change the time", func(map[string]audit.Event) []string {
			return []string{`UPDATE audit_events SET at = '2020-01-01T00:00:00.000000Z' WHERE chain = 'c_2' AND seq = 1`}
		}, want{"c_2", 1, "c_2/1", audit.ReasonHashMismatch}},
		{"change the result", func(map[string]audit.Event) []string {
			return []string{`UPDATE audit_events SET result = 'denied' WHERE chain = 'system' AND seq = 3`}
		}, want{"system", 3, "system/3", audit.ReasonHashMismatch}},
		{"change the client address", func(map[string]audit.Event) []string {
			return []string{`UPDATE audit_events SET ip = '198.51.100.1' WHERE chain = 'c_1' AND seq = 5`}
		}, want{"c_1", 5, "c_1/5", audit.ReasonHashMismatch}},
		{"change the event id", func(map[string]audit.Event) []string {
			return []string{`UPDATE audit_events SET id = '01HZZZZZZZZZZZZZZZZZZZZZZZ' WHERE chain = 'c_1' AND seq = 4`}
		}, want{"c_1", 4, "", audit.ReasonHashMismatch}},
		{"time made unreadable", func(map[string]audit.Event) []string {
			return []string{`UPDATE audit_events SET at = 'yesterday' WHERE chain = 'c_2' AND seq = 2`}
		}, want{"c_2", 2, "c_2/2", audit.ReasonUnreadable}},
		{"delete a middle row", func(map[string]audit.Event) []string {
			return []string{`DELETE FROM audit_events WHERE chain = 'c_1' AND seq = 3`}
		}, want{"c_1", 3, "c_1/4", audit.ReasonGap}},
		{"delete the first row", func(map[string]audit.Event) []string {
			return []string{`DELETE FROM audit_events WHERE chain = 'c_2' AND seq = 1`}
		}, want{"c_2", 1, "c_2/2", audit.ReasonGap}},
		{"delete the last row", func(map[string]audit.Event) []string {
			return []string{`DELETE FROM audit_events WHERE chain = 'c_1' AND seq = 5`}
		}, want{"c_1", 4, "c_1/4", audit.ReasonHeadMismatch}},
		{"delete a whole chain with its head", func(map[string]audit.Event) []string {
			return []string{`DELETE FROM audit_events WHERE chain = 'c_1'`, `DELETE FROM audit_heads WHERE chain = 'c_1'`}
		}, want{"c_1", 0, "", audit.ReasonMissingChain}},
		{"delete a chain's events, keep its head", func(map[string]audit.Event) []string {
			return []string{`DELETE FROM audit_events WHERE chain = 'c_2'`}
		}, want{"c_2", 0, "", audit.ReasonHeadMismatch}},
		{"delete a head", func(map[string]audit.Event) []string {
			return []string{`DELETE FROM audit_heads WHERE chain = 'c_2'`}
		}, want{"c_2", 3, "c_2/3", audit.ReasonHeadMissing}},
		{"delete a chain's opening", func(map[string]audit.Event) []string {
			return []string{`DELETE FROM audit_events WHERE chain = 'system' AND seq = 2`}
		}, want{"c_2", 1, "c_2/1", audit.ReasonNotOpened}},
		{"swap two rows' hashes", func(evs map[string]audit.Event) []string {
			a, b := evs["c_1/2"], evs["c_1/3"]
			return []string{
				fmt.Sprintf(`UPDATE audit_events SET hash = '%s' WHERE id = '%s'`, b.Hash, a.ID),
				fmt.Sprintf(`UPDATE audit_events SET hash = '%s' WHERE id = '%s'`, a.Hash, b.ID),
			}
		}, want{"c_1", 2, "c_1/2", audit.ReasonHashMismatch}},
		{"edit a prev hash", func(evs map[string]audit.Event) []string {
			return []string{fmt.Sprintf(`UPDATE audit_events SET prev_hash = '%s' WHERE chain = 'c_2' AND seq = 3`, evs["c_2/1"].Hash)}
		}, want{"c_2", 3, "c_2/3", audit.ReasonPrevHash}},
		{"roll a head back", func(evs map[string]audit.Event) []string {
			return []string{fmt.Sprintf(`UPDATE audit_heads SET seq = 4, hash = '%s' WHERE chain = 'c_1'`, evs["c_1/4"].Hash)}
		}, want{"c_1", 5, "c_1/5", audit.ReasonHeadMismatch}},
		{"cut the tail and roll the head back", func(evs map[string]audit.Event) []string {
			return []string{
				`DELETE FROM audit_events WHERE chain = 'c_1' AND seq = 5`,
				fmt.Sprintf(`UPDATE audit_heads SET seq = 4, hash = '%s' WHERE chain = 'c_1'`, evs["c_1/4"].Hash),
			}
		}, want{"c_1", 4, "c_1/4", audit.ReasonHeadMismatch}},
		{"edit a head's MAC", func(map[string]audit.Event) []string {
			return []string{`UPDATE audit_heads SET mac = '00' WHERE chain = 'system'`}
		}, want{"system", 3, "system/3", audit.ReasonHeadMismatch}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				l := newLog(t, db)
				evs := fixture(t, l)
				for _, q := range tc.tamper(evs) {
					tamper(t, db, q)
				}
				res, err := l.Verify(context.Background(), nil)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				w := tc.want
				wantID := ""
				if w.event != "" {
					wantID = evs[w.event].ID
				}
				b := res.Broken
				if b == nil || b.Chain != w.chain || b.Seq != w.seq || b.Reason != w.reason || w.event != "" && b.EventID != wantID {
					t.Fatalf("Verify = %v, want chain %s seq %d (event %s = %s): %s", res, w.chain, w.seq, w.event, wantID, w.reason)
				}
				if s := res.String(); s == "" || res.OK() {
					t.Errorf("VerifyResult.String() = %q, OK() = %v", s, res.OK())
				}
			})
		})
	}
}

func TestBreakString(t *testing.T) {
	cases := []struct {
		b    audit.Break
		want string
	}{
		{audit.Break{Chain: "c_123", Seq: 7, EventID: "01HV", Reason: audit.ReasonHashMismatch},
			"chain c_123 seq 7 (event 01HV): hash mismatch"},
		{audit.Break{Chain: "c_9", Reason: audit.ReasonMissingChain, Detail: "opened at system seq 4, event 01HW"},
			"chain c_9: missing chain referenced by system chain (opened at system seq 4, event 01HW)"},
	}
	for _, tc := range cases {
		if got := tc.b.String(); got != tc.want {
			t.Errorf("Break%+v.String() = %q, want %q", tc.b, got, tc.want)
		}
	}
	res := audit.VerifyResult{Chains: 1, Broken: &cases[0].b}
	if got, want := res.String(), "audit log broken: "+cases[0].want; got != want {
		t.Errorf("VerifyResult.String() = %q, want %q", got, want)
	}
}
