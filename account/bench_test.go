package account_test

import (
	"sync/atomic"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// BenchmarkSignInPIN measures sign-ins with phone and PIN on a known device
// — the whole SignInWithPIN: device and citizen lookup, the attempt counted,
// argon2id with the default parameters, a session stored, the audit event —
// as sign-ins per second over all cores (b.RunParallel), for 8 citizens.
//
//	go test -run '^$' -bench SignInPIN -benchtime 200x ./account/
func BenchmarkSignInPIN(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSignIn(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchSignIn(b, testdb.Postgres(b)) })
}

func benchSignIn(b *testing.B, db *store.DB) {
	e := newEnv(b, db, func(c *account.Config) { c.PIN.Argon2 = account.DefaultArgon2() })
	const citizens = 8
	var reqs [citizens]account.SignInRequest
	for i := range reqs {
		res := e.signUp(phone(i))
		reqs[i] = account.SignInRequest{Phone: phone(i), PIN: goodPIN, DeviceToken: res.DeviceToken}
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := reqs[next.Add(1)%citizens]
		for pb.Next() {
			if _, err := e.svc.SignInWithPIN(e.ctx, req); err != nil {
				b.Errorf("SignInWithPIN = %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}
