package account_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/keys/keystest"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
)

// cheapArgon2 keeps tests fast; the benchmark and one test use the defaults.
var cheapArgon2 = account.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}

// env is a wired account.Service over a real database, with the SMS outbox
// as sender so tests read the codes a citizen would receive.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	clock  *keystest.Clock
	keys   account.Keys
	outbox *sms.Outbox
	audit  *audit.Log
	svc    *account.Service
	// secrets of the SMS outbox and the audit log, for twin
	outboxKey, auditKey []byte
	tune                func(*account.Config)
}

func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

func testKeys() account.Keys {
	return account.Keys{PhoneIndex: randomKey(), PhoneSeal: randomKey(), OTP: randomKey(), IPIndex: randomKey()}
}

// newEnv wires a Service over db. tune, if not nil, adjusts the config.
func newEnv(t testing.TB, db *store.DB, tune func(*account.Config)) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: keystest.NewClock(), keys: testKeys(),
		outboxKey: randomKey(), auditKey: randomKey(), tune: tune}
	return e.twin(db)
}

// twin returns another instance like e — same keys and clock — over db
// (another pool on the same database, or e's own pool when e is new).
func (e *env) twin(db *store.DB) *env {
	t := e.t
	t.Helper()
	e = &env{t: t, ctx: e.ctx, db: db, clock: e.clock, keys: e.keys, outboxKey: e.outboxKey, auditKey: e.auditKey, tune: e.tune}
	var err error
	if e.outbox, err = sms.NewOutbox(db, e.outboxKey, e.clock.Now, nil); err != nil {
		t.Fatalf("sms.NewOutbox: %v", err)
	}
	if e.audit, err = audit.New(db, e.auditKey, e.clock.Now); err != nil {
		t.Fatalf("audit.New: %v", err)
	}
	cfg := account.Config{
		Store: db, Keys: e.keys, SMS: e.outbox, Audit: e.audit, Clock: e.clock.Now,
		PIN: account.PINConfig{Argon2: cheapArgon2},
	}
	if e.tune != nil {
		e.tune(&cfg)
	}
	if e.svc, err = account.New(cfg); err != nil {
		t.Fatalf("account.New: %v", err)
	}
	return e
}

// phone returns a valid Kazakh mobile number, distinct for each n.
func phone(n int) string { return fmt.Sprintf("+7701%07d", 1000000+n) }

var codePattern = regexp.MustCompile(`\b\d{6}\b`)

// lastSMS returns the newest message to phone, or "" when there is none.
func (e *env) lastSMS(to string) sms.OutboxEntry {
	e.t.Helper()
	list, err := e.outbox.List(e.ctx, sms.ListOptions{To: to, Limit: 1})
	if err != nil {
		e.t.Fatalf("outbox.List(%s): %v", to, err)
	}
	if len(list) == 0 {
		return sms.OutboxEntry{}
	}
	return list[0]
}

// smsCount counts the messages to phone.
func (e *env) smsCount(to string) int {
	e.t.Helper()
	list, err := e.outbox.List(e.ctx, sms.ListOptions{To: to, Limit: sms.MaxListLimit})
	if err != nil {
		e.t.Fatalf("outbox.List(%s): %v", to, err)
	}
	return len(list)
}

// requestCode asks for a code and returns the one texted.
func (e *env) requestCode(to string, p account.Purpose) string {
	e.t.Helper()
	if _, err := e.svc.OTPs.RequestCode(e.ctx, account.CodeRequest{Phone: to, Purpose: p, Lang: "en"}); err != nil {
		e.t.Fatalf("RequestCode(%s, %s) = %v", to, p, err)
	}
	code := codePattern.FindString(e.lastSMS(to).Body)
	if code == "" {
		e.t.Fatalf("RequestCode(%s, %s): no code texted", to, p)
	}
	return code
}

// proof runs request-and-verify for a purpose.
func (e *env) proof(to string, p account.Purpose) string {
	e.t.Helper()
	code := e.requestCode(to, p)
	pr, err := e.svc.OTPs.Verify(e.ctx, to, p, code)
	if err != nil {
		e.t.Fatalf("Verify(%s, %s, right code) = %v", to, p, err)
	}
	return pr.Token
}

const goodPIN = "2791"

// signUp creates an account on a first device.
func (e *env) signUp(to string) account.SignInResult {
	e.t.Helper()
	res, err := e.svc.SignUp(e.ctx, account.SignUpRequest{
		OTPProof: e.proof(to, account.PurposeSignUp), PIN: goodPIN, Lang: "en", DeviceName: "Phone",
	})
	if err != nil {
		e.t.Fatalf("SignUp(%s) = %v", to, err)
	}
	return res
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, call string, err error, code string) {
	t.Helper()
	if got := digitalid.ErrorCode(err); got != code {
		t.Fatalf("%s = %v (code %q), want code %q", call, err, got, code)
	}
}

// wantKey fails unless err is a *digitalid.Error with the translation key.
func wantKey(t testing.TB, call string, err error, key string) {
	t.Helper()
	var de *digitalid.Error
	if !errors.As(err, &de) || de.Key != key {
		t.Fatalf("%s = %v, want key %q", call, err, key)
	}
}

// events returns the actions of a citizen's audit chain, in order.
func (e *env) events(citizenID string) []audit.Event {
	e.t.Helper()
	evs, err := e.audit.List(e.ctx, citizenID, audit.ListOptions{Limit: audit.MaxListLimit})
	if err != nil {
		e.t.Fatalf("audit.List(%s): %v", citizenID, err)
	}
	return evs
}

// hasEvent reports whether the chain has an event with action and result.
func (e *env) hasEvent(citizenID, action string, r audit.Result) bool {
	for _, ev := range e.events(citizenID) {
		if ev.Action == action && ev.Result == r {
			return true
		}
	}
	return false
}

// noPlaintext fails if any table of the database holds s in clear.
func noPlaintext(t testing.TB, db *store.DB, s string) {
	t.Helper()
	for _, table := range []string{"account_citizens", "account_otps", "account_devices", "account_sessions",
		"account_notifications", "account_counters", "account_pins", "audit_events"} {
		rows, err := db.SQL().Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			for i, v := range vals {
				var b []byte
				switch x := v.(type) {
				case []byte:
					b = x
				case string:
					b = []byte(x)
				}
				if bytes.Contains(b, []byte(s)) || bytes.Contains(b, []byte(strings.TrimPrefix(s, "+"))) {
					t.Errorf("%s.%s holds %q in clear", table, cols[i], s)
				}
			}
		}
		rows.Close()
	}
}

// raw rebinds a query written with ? for db's dialect, for tests that reach
// under the store.
func raw(db *store.DB, query string) string {
	if db.Dialect() != store.Postgres {
		return query
	}
	n := 0
	return regexp.MustCompile(`\?`).ReplaceAllStringFunc(query, func(string) string {
		n++
		return fmt.Sprintf("$%d", n)
	})
}
