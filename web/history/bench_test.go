package history_test

import (
	"testing"

	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/store"
)

// BenchmarkHistory measures GET /api/v1/me/history (a page of 20, with
// names looked up) over a chain of 1,000 events of which one in ten is a
// verifier's check, on SQLite and PostgreSQL.
func BenchmarkHistory(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", testdb.SQLite}, {"postgres", testdb.Postgres}} {
		b.Run(db.name, func(b *testing.B) {
			e := newEnv(b, db.open(b), "")
			c := e.Citizen(b)
			v, _ := e.Verifier(b, "Corner shop", "age_over_18")
			for i := range 1000 {
				ev := audit.Event{Chain: c.Citizen.ID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: c.Citizen.ID}, Action: "account.reauth"}
				if i%10 == 0 {
					ev = audit.Event{Chain: c.Citizen.ID, Actor: audit.Actor{Type: audit.ActorVerifier, ID: v.ID},
						Action: present.ActionChecked, Details: map[string]string{"purpose": "age_over_18"}}
				}
				e.appendEvent(ev)
			}
			for _, q := range []string{"all", "access"} {
				b.Run(q, func(b *testing.B) {
					for b.Loop() {
						if p := e.history(c.SessionToken, "?filter="+q, ""); len(p.Events) != 20 {
							b.Fatalf("%d events", len(p.Events))
						}
					}
				})
			}
		})
	}
}
