package audit

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// TestEventHashIsStable pins the canonical encoding: a change to it would
// make every stored log fail verification, so it must be deliberate (a new
// label version), never accidental.
func TestEventHashIsStable(t *testing.T) {
	s := sealer{key: []byte("audit-test-mac-key-0123456789abcdef")}
	e := Event{
		ID: "01HV3K5M2Q8X9Y7Z6W5V4T3S2R", Chain: "c_alice", Seq: 7,
		Time:   time.Date(2026, 11, 22, 9, 30, 0, 123456000, time.UTC),
		Actor:  Actor{Type: ActorVerifier, ID: "v_shop"},
		Action: "document.read", Object: "document:d1", Result: Success,
		IP: "192.0.2.10", RequestID: "req_1", Details: map[string]string{"purpose": "age_over_18", "b": "2"},
		PrevHash: "aa",
	}
	// Cross-checked with an independent Python implementation of the encoding.
	const want = "7cd77f0036d69f62e5ff4e6918831f5904d1ed180bf7a51fbac7a4d24fba4bf1"
	if got := s.eventHash(&e); got != want {
		t.Errorf("eventHash = %s, want %s", got, want)
	}
	if got, want := s.headMAC("c_alice", 7, "aa"), "c63a84e2e68982bcef673b1b17e87a1f71ef73d1064a5cccd8c373ac8e210756"; got != want {
		t.Errorf("headMAC = %s, want %s", got, want)
	}
}

// FuzzCanonicalEncoding moves the boundary between two adjacent encoded
// fields (a+b split at cut) and checks that two events encode alike only
// when they are equal: no field can bleed into its neighbour.
func FuzzCanonicalEncoding(f *testing.F) {
	f.Add("c_1", "document.read", 2, 0)
	f.Add("ab", "", 1, 3)
	f.Add("k", "v", 0, 5)
	f.Fuzz(func(t *testing.T, a, b string, cut, pair int) {
		s := a + b
		if cut < 0 {
			cut = -cut
		}
		cut %= len(s) + 1
		fields := []func(e *Event) *string{
			func(e *Event) *string { return &e.ID },
			func(e *Event) *string { return &e.Chain },
			func(e *Event) *string { return &e.Actor.ID },
			func(e *Event) *string { return &e.Action },
			func(e *Event) *string { return &e.Object },
			func(e *Event) *string { return &e.IP },
			func(e *Event) *string { return &e.RequestID },
			func(e *Event) *string { return &e.PrevHash },
		}
		if pair < 0 {
			pair = -pair
		}
		i := pair % (len(fields) + 1)
		var x, y Event
		if i == len(fields) { // a details key and its value
			x.Details = map[string]string{a: b}
			y.Details = map[string]string{s[:cut]: s[cut:]}
		} else {
			j := (i + 1) % len(fields)
			*fields[i](&x), *fields[j](&x) = a, b
			*fields[i](&y), *fields[j](&y) = s[:cut], s[cut:]
		}
		same := bytes.Equal(appendEvent(nil, &x), appendEvent(nil, &y))
		if same != reflect.DeepEqual(x, y) {
			t.Fatalf("events %+v and %+v: equal encodings %v, equal events %v", x, y, same, reflect.DeepEqual(x, y))
		}
	})
}
