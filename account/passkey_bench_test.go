package account_test

import (
	"sync/atomic"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// BenchmarkSignInPasskey measures passkey sign-ins as sign-ins per second
// over all cores (b.RunParallel), for 8 citizens with one passkey each:
//
//   - FinishLogin: the whole sign-in — parse, one query for the ceremony,
//     passkey, device and citizen, ES256 signature check, one write for
//     counter and session (one statement on PostgreSQL), the audit event.
//     Ceremonies and assertions are made before the timer starts.
//   - BeginLogin: a challenge stored as a ceremony.
//
// The authenticators send signature counter 0, as synced passkeys do, so
// the order in which parallel sign-ins land does not matter.
//
//	go test -run '^$' -bench SignInPasskey -benchtime 2000x ./account/
func BenchmarkSignInPasskey(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPasskey(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchPasskey(b, testdb.Postgres(b)) })
}

func benchPasskey(b *testing.B, db *store.DB) {
	e := newEnv(b, db, withPasskeys)
	const citizens = 8
	type holder struct {
		auth *authenticator
		cred *virtualwebauthn.Credential
	}
	var hs [citizens]holder
	for i := range hs {
		res := e.signUp(phone(i))
		a := newAuthenticator(b)
		_, cred := e.addPasskey(res.Session, a, "Phone")
		hs[i] = holder{a, cred}
	}
	b.Run("FinishLogin", func(b *testing.B) {
		type attempt struct {
			id   string
			resp []byte
		}
		attempts := make([]attempt, b.N)
		for i := range attempts {
			options, id := e.beginLogin()
			h := hs[i%citizens]
			attempts[i] = attempt{id, h.auth.sign(options, *h.cred)}
		}
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				a := attempts[next.Add(1)-1]
				if _, err := e.svc.Passkeys.FinishLogin(e.ctx, a.id, a.resp, account.Client{}); err != nil {
					b.Errorf("FinishLogin = %v", err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
	})
	b.Run("BeginLogin", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := e.svc.Passkeys.BeginLogin(e.ctx); err != nil {
					b.Errorf("BeginLogin = %v", err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "begins/s")
	})
}
