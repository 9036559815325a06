package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

var testKey = []byte("audit-test-mac-key-0123456789abcdef")

// stepClock starts at a fixed time and moves one millisecond per call, so
// every event has its own time without sleeping. Safe for concurrent use.
func stepClock() digitalid.Clock {
	t0 := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)) * time.Millisecond) }
}

func newLog(t testing.TB, db *store.DB) *audit.Log {
	t.Helper()
	l, err := audit.New(db, testKey, stepClock())
	if err != nil {
		t.Fatalf("audit.New: %v", err)
	}
	return l
}

// read is a typical event: a verifier read a citizen's document.
func read(chain string) audit.Event {
	return audit.Event{
		Chain:     chain,
		Actor:     audit.Actor{Type: audit.ActorVerifier, ID: "v_shop"},
		Action:    "document.read",
		Object:    "document:01HV3K5M2Q8X9Y7Z6W5V4T3S2R",
		Result:    audit.Success,
		IP:        "::ffff:192.0.2.10",
		RequestID: "req_3f9a",
		Details:   map[string]string{"purpose": "age_over_18"},
	}
}

func mustAppend(t testing.TB, l *audit.Log, e audit.Event) audit.Event {
	t.Helper()
	got, err := l.Append(context.Background(), e)
	if err != nil {
		t.Fatalf("Append(%s %s): %v", e.Chain, e.Action, err)
	}
	return got
}

func TestNew(t *testing.T) {
	db := testdb.SQLite(t)
	cases := []struct {
		name  string
		store audit.Store
		key   []byte
		clock digitalid.Clock
	}{
		{"short key", db, make([]byte, audit.MinKeyLen-1), digitalid.SystemClock},
		{"no store", nil, testKey, digitalid.SystemClock},
		{"no clock", db, testKey, nil},
	}
	for _, tc := range cases {
		if _, err := audit.New(tc.store, tc.key, tc.clock); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("%s: New = %v, want %s", tc.name, err, digitalid.EINVALID)
		}
	}
}

var ulid = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

func TestAppendAndList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := newLog(t, db)
		var chain []audit.Event
		for i := range 4 {
			e := read("c_alice")
			if i%2 == 1 {
				e.Action, e.Result, e.Actor = "consent.grant", audit.Denied, audit.Actor{Type: audit.ActorCitizen, ID: "c_alice"}
			}
			chain = append(chain, mustAppend(t, l, e))
		}
		for i, e := range chain {
			if e.Chain != "c_alice" || e.Seq != int64(i+1) || !ulid.MatchString(e.ID) || e.IP != "192.0.2.10" || len(e.Hash) != 64 {
				t.Errorf("Append #%d = %+v, want chain c_alice, seq %d, a ULID id, IP 192.0.2.10 and a hash", i+1, e, i+1)
			}
			if i > 0 && (e.PrevHash != chain[i-1].Hash || !e.Time.After(chain[i-1].Time)) {
				t.Errorf("Append #%d prev hash %q time %v, want %q and after %v", i+1, e.PrevHash, e.Time, chain[i-1].Hash, chain[i-1].Time)
			}
		}
		if chain[0].PrevHash != "" {
			t.Errorf("Append #1 prev hash = %q, want empty", chain[0].PrevHash)
		}
		sys := mustAppend(t, l, audit.Event{Actor: audit.Actor{Type: audit.ActorOperator, ID: "op_1"}, Action: "issuer.register", Object: "issuer:mvd", Result: audit.Success})
		if sys.Chain != audit.SystemChain || sys.Seq != 2 {
			t.Errorf("Append(system event) chain %q seq %d, want %q seq 2 (after c_alice's opening)", sys.Chain, sys.Seq, audit.SystemChain)
		}

		cases := []struct {
			name  string
			chain string
			opts  audit.ListOptions
			want  []audit.Event
		}{
			{"default", "c_alice", audit.ListOptions{}, chain},
			{"newest first", "c_alice", audit.ListOptions{Descending: true, Limit: 2}, []audit.Event{chain[3], chain[2]}},
			{"page after", "c_alice", audit.ListOptions{After: 2}, chain[2:]},
			{"page before", "c_alice", audit.ListOptions{Before: 2}, chain[:1]},
			{"actions", "c_alice", audit.ListOptions{Actions: []string{"consent.grant"}}, []audit.Event{chain[1], chain[3]}},
			{"other citizen", "c_bob", audit.ListOptions{}, nil},
		}
		for _, tc := range cases {
			got, err := l.List(ctx, tc.chain, tc.opts)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: List(%s, %+v) = %v, %v\nwant %v", tc.name, tc.chain, tc.opts, got, err, tc.want)
			}
		}
		opened, err := l.List(ctx, "", audit.ListOptions{Actions: []string{audit.ActionChainOpened}})
		if err != nil || len(opened) != 1 || opened[0].Object != "c_alice" || opened[0].Seq != 1 || opened[0].RequestID != "req_3f9a" {
			t.Errorf("List(system, chain.opened) = %+v, %v, want one opening of c_alice at seq 1", opened, err)
		}

		bad := []struct {
			name string
			opts audit.ListOptions
		}{
			{"limit too big", audit.ListOptions{Limit: audit.MaxListLimit + 1}},
			{"negative limit", audit.ListOptions{Limit: -1}},
			{"negative after", audit.ListOptions{After: -1}},
			{"bad action", audit.ListOptions{Actions: []string{"Document Read"}}},
		}
		for _, tc := range bad {
			if _, err := l.List(ctx, "c_alice", tc.opts); digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Errorf("%s: List(%+v) = %v, want %s", tc.name, tc.opts, err, digitalid.EINVALID)
			}
		}
	})
}

func TestAppendRejectsBadEvents(t *testing.T) {
	db := testdb.SQLite(t)
	l := newLog(t, db)
	cases := []struct {
		name   string
		edit   func(e *audit.Event)
		field  string
		secret string // a value that must not appear in the error
	}{
		{"chain with space", func(e *audit.Event) { e.Chain = "c alice" }, "chain", ""},
		{"chain is a phone", func(e *audit.Event) { e.Chain = "+77015551234" }, "chain", "77015551234"},
		{"unknown actor type", func(e *audit.Event) { e.Actor.Type = "admin" }, "actor.type", ""},
		{"citizen without id", func(e *audit.Event) { e.Actor = audit.Actor{Type: audit.ActorCitizen} }, "actor.id", ""},
		{"actor id is a name", func(e *audit.Event) { e.Actor.ID = "Иван" }, "actor.id", "Иван"},
		{"action not dotted", func(e *audit.Event) { e.Action = "read" }, "action", ""},
		{"action upper case", func(e *audit.Event) { e.Action = "Document.Read" }, "action", ""},
		{"action reserved", func(e *audit.Event) { e.Action = audit.ActionChainOpened }, "action", ""},
		{"object is a passport number", func(e *audit.Event) { e.Object = "passport:4510123456" }, "object", "4510123456"},
		{"result unknown", func(e *audit.Event) { e.Result = "ok" }, "result", ""},
		{"ip not an address", func(e *audit.Event) { e.IP = "localhost" }, "ip", ""},
		{"request id with space", func(e *audit.Event) { e.RequestID = "req 1" }, "request_id", ""},
		{"detail is a phone", func(e *audit.Event) { e.Details["phone"] = "+7-701-555-12-34" }, "details.phone", "555-12-34"},
	}
	for _, tc := range cases {
		e := read("c_alice")
		tc.edit(&e)
		_, err := l.Append(context.Background(), e)
		var de *digitalid.Error
		if !errors.As(err, &de) || de.Code != digitalid.EINVALID || len(de.Fields) != 1 || de.Fields[0].Field != tc.field {
			t.Errorf("%s: Append = %v, want %s on field %s", tc.name, err, digitalid.EINVALID, tc.field)
			continue
		}
		if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
			t.Errorf("%s: Append error %q repeats the rejected value", tc.name, err)
		}
	}
	if got, err := l.List(context.Background(), "c_alice", audit.ListOptions{}); err != nil || len(got) != 0 {
		t.Errorf("List after rejected appends = %d events, %v; want none", len(got), err)
	}
}

func TestAppendRefusesForgedHead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		l := newLog(t, db)
		for range 3 {
			mustAppend(t, l, read("c_alice"))
		}
		tamper(t, db, "UPDATE audit_heads SET seq = 2 WHERE chain = 'c_alice'")
		_, err := l.Append(context.Background(), read("c_alice"))
		if digitalid.ErrorCode(err) != digitalid.EINTERNAL {
			t.Errorf("Append on a forged head = %v, want %s", err, digitalid.EINTERNAL)
		}
		tamper(t, db, "DELETE FROM audit_heads WHERE chain = 'c_alice'")
		if _, err := l.Append(context.Background(), read("c_alice")); err == nil {
			t.Errorf("Append on a deleted head = nil error, want a conflict with the existing seq 1")
		}
		if got, _ := l.List(context.Background(), "c_alice", audit.ListOptions{}); len(got) != 3 {
			t.Errorf("List after refused appends = %d events, want 3", len(got))
		}
	})
}

func TestConcurrentAppend(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Two services on one database, as two instances would be.
		logs := []*audit.Log{newLog(t, db), newLog(t, db)}
		const n, others = 50, 10
		var wg sync.WaitGroup
		errs := make(chan error, n+others)
		for i := range n + others {
			wg.Go(func() {
				chain := "c_busy"
				if i >= n {
					chain = fmt.Sprintf("c_new%d", i)
				}
				if _, err := logs[i%2].Append(ctx, read(chain)); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent Append: %v", err)
		}
		got, err := logs[0].List(ctx, "c_busy", audit.ListOptions{Limit: 100})
		if err != nil || len(got) != n {
			t.Fatalf("List(c_busy) = %d events, %v; want %d", len(got), err, n)
		}
		for i, e := range got {
			if e.Seq != int64(i+1) {
				t.Fatalf("List(c_busy)[%d].Seq = %d, want %d (seqs must be contiguous)", i, e.Seq, i+1)
			}
		}
		opened, err := logs[0].List(ctx, "", audit.ListOptions{Actions: []string{audit.ActionChainOpened}, Limit: 100})
		if err != nil || len(opened) != others+1 {
			t.Errorf("List(system, chain.opened) = %d events, %v; want %d (one per chain)", len(opened), err, others+1)
		}
		res, err := logs[1].Verify(ctx, nil)
		if err != nil || !res.OK() || res.Events != n+others+others+1 {
			t.Errorf("Verify after concurrent appends = %v, %v; want intact with %d events", res, err, n+others+others+1)
		}
	})
}

func TestEventLogValue(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	e := read("c_alice")
	e.Seq, e.Hash = 3, "deadbeef"
	logger.Info("audited", "event", e)
	var got struct {
		Event map[string]any `json:"event"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	if got.Event["action"] != "document.read" || got.Event["chain"] != "c_alice" || got.Event["details"] == nil {
		t.Errorf("logged event = %v, want action, chain and details", got.Event)
	}
	if strings.Contains(buf.String(), "192.0.2.10") || strings.Contains(buf.String(), "deadbeef") {
		t.Errorf("logged event %s holds the client address or the hash", buf.String())
	}
}

// tamper runs SQL directly against the database, as an attacker with write
// access but without the MAC key would.
func tamper(t testing.TB, db *store.DB, query string) {
	t.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), query); err != nil {
		t.Fatalf("tamper %q: %v", query, err)
	}
}
