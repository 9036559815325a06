package present_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/present/presenttest"
	"github.com/digitalid/digitalid/store"
)

var ctx = context.Background()

// birth18 is a birth date that makes a citizen 30 at the test clock.
const birth18 = "1996-03-14"

func wantCode(t *testing.T, call string, err error, code string) {
	t.Helper()
	if got := digitalid.ErrorCode(err); got != code {
		t.Fatalf("%s = %v, want %s", call, err, code)
	}
}

func mint(t *testing.T, e *presenttest.Env, c account.SignInResult, purpose string) present.Presentation {
	t.Helper()
	p, err := e.Present.Mint(ctx, c.Session, purpose)
	if err != nil {
		t.Fatalf("Mint(%s) = %v", purpose, err)
	}
	return p
}

func verifyAs(t *testing.T, e *presenttest.Env, v present.Verifier, payload string) present.Result {
	t.Helper()
	r, err := e.Present.Verify(ctx, v, payload, present.Client{IP: "192.0.2.7"})
	if err != nil {
		t.Fatalf("Verify(%.12s…) = %v", payload, err)
	}
	return r
}

func TestVerifierRegistry(t *testing.T) {
	e := presenttest.New(t, testdb.SQLite(t), presenttest.Options{})
	_, _, err := e.Present.AddVerifier(ctx, "op", "", []string{"age_over_99"})
	wantCode(t, "AddVerifier(bad)", err, digitalid.EINVALID)
	if de := new(digitalid.Error); !errorsAs(err, &de) || len(de.Fields) != 2 {
		t.Errorf("AddVerifier(bad) fields = %v, want name and purposes", err)
	}
	v, cred, err := e.Present.AddVerifier(ctx, "op", "  Magnum Shop ", []string{"age_over_18", "age_over_18", "student"})
	if err != nil {
		t.Fatalf("AddVerifier = %v", err)
	}
	if v.Name != "Magnum Shop" || !slices.Equal(v.Purposes, []string{"age_over_18", "student"}) || !strings.HasPrefix(cred, v.ID+".") {
		t.Errorf("AddVerifier = %+v, %q", v, cred)
	}
	got, err := e.Present.Authenticate(ctx, cred)
	if err != nil || got.ID != v.ID {
		t.Fatalf("Authenticate(good) = %+v, %v", got, err)
	}
	for name, bad := range map[string]string{
		"wrong secret": v.ID + ".AAAA", "no dot": v.ID, "unknown id": "nobody." + strings.SplitN(cred, ".", 2)[1],
		"empty": "", "only dot": ".",
	} {
		_, err := e.Present.Authenticate(ctx, bad)
		if digitalid.ErrorCode(err) != digitalid.EUNAUTHORIZED {
			t.Errorf("Authenticate(%s) = %v, want unauthorized", name, err)
		}
	}
	// Rotation: the old secret and staff sessions end at once.
	_, token, _, err := e.Present.SignIn(ctx, cred)
	if err != nil {
		t.Fatalf("SignIn = %v", err)
	}
	if s, err := e.Present.Session(ctx, token); err != nil || s.ID != v.ID {
		t.Fatalf("Session = %+v, %v", s, err)
	}
	cred2, err := e.Present.RotateSecret(ctx, "op", v.ID)
	if err != nil {
		t.Fatalf("RotateSecret = %v", err)
	}
	_, err = e.Present.Authenticate(ctx, cred)
	wantCode(t, "Authenticate(old secret)", err, digitalid.EUNAUTHORIZED)
	_, err = e.Present.Session(ctx, token)
	wantCode(t, "Session(after rotation)", err, digitalid.EUNAUTHORIZED)
	if _, err := e.Present.Authenticate(ctx, cred2); err != nil {
		t.Fatalf("Authenticate(new secret) = %v", err)
	}
	if err := e.Present.DisableVerifier(ctx, "op", v.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.Present.Authenticate(ctx, cred2)
	wantCode(t, "Authenticate(disabled)", err, digitalid.EUNAUTHORIZED)
	wantCode(t, "DisableVerifier(unknown)", e.Present.DisableVerifier(ctx, "op", "nobody"), digitalid.ENOTFOUND)
	l, err := e.Present.Verifiers(ctx)
	if err != nil || len(l) != 1 || l[0].Status != present.StatusDisabled {
		t.Errorf("Verifiers() = %+v, %v", l, err)
	}
	// Operator actions are on the system chain, without secrets.
	evs, err := e.Audit.List(ctx, audit.SystemChain, audit.ListOptions{Actions: []string{"verifier.added", "verifier.secret_rotated", "verifier.disabled"}})
	if err != nil || len(evs) != 3 {
		t.Errorf("system chain verifier events = %d, %v; want 3", len(evs), err)
	}
}

// TestOnlinePresentation: a citizen shows age_over_18; the shop sees that
// boolean and nothing else, and the citizen sees who checked.
func TestOnlinePresentation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := presenttest.New(t, db, presenttest.Options{})
		c := e.Adult(t, birth18)
		shop, _ := e.Verifier(t, "Magnum Shop", "age_over_18")

		o, err := e.Present.Overview(ctx, c.Citizen.ID)
		if err != nil || !o.Eligible || len(o.Purposes) == 0 {
			t.Fatalf("Overview = %+v, %v", o, err)
		}
		p := mint(t, e, c, present.AgeOver18)
		if !strings.HasPrefix(p.Payload, present.HandlePrefix) || len(p.Payload) != 31 || p.TTL != 30*time.Second ||
			!p.ExpiresAt.Equal(e.Clock.Now().Add(30*time.Second)) {
			t.Errorf("Mint = %+v", p)
		}
		qr, err := present.NewQR(p.Payload)
		if err != nil || qr.Version > 4 {
			t.Errorf("QR version of %q = %d, %v; want ≤ 4", p.Payload, qr.Version, err)
		}
		t.Logf("online payload %d characters, QR version %d (level H), %d modules", len(p.Payload), qr.Version, qr.Modules)

		e.Clock.Advance(29 * time.Second)
		r := verifyAs(t, e, shop, p.Payload)
		if !r.Valid() || r.Purpose != present.AgeOver18 || r.Mode != present.ModeOnline || len(r.Claims) != 1 || r.Claims["age_over_18"] != true {
			t.Fatalf("Verify = %+v, want valid with age_over_18 only", r)
		}
		evs, err := e.Audit.List(ctx, c.Citizen.ID, audit.ListOptions{Actions: []string{present.ActionChecked}})
		if err != nil || len(evs) != 1 {
			t.Fatalf("audit events = %d, %v", len(evs), err)
		}
		ev := evs[0]
		if ev.Actor.Type != audit.ActorVerifier || ev.Actor.ID != shop.ID || ev.Result != audit.Success || ev.Details["purpose"] != "age_over_18" {
			t.Errorf("audit event = %+v", ev)
		}
		for k, v := range ev.Details {
			if v == "true" || strings.Contains(v, "1996") {
				t.Errorf("audit detail %s = %q holds a claim value", k, v)
			}
		}
		checks, err := e.Present.Checks(ctx, c.Citizen.ID, 0)
		if err != nil || len(checks) != 1 || checks[0].VerifierName != "Magnum Shop" || checks[0].Purpose != "age_over_18" || checks[0].Result != present.Valid {
			t.Errorf("Checks = %+v, %v", checks, err)
		}
	})
}

func TestMintRefusals(t *testing.T) {
	e := presenttest.New(t, testdb.SQLite(t), presenttest.Options{})
	adult := e.Adult(t, birth18)
	_, err := e.Present.Mint(ctx, adult.Session, "age_over_99")
	wantCode(t, "Mint(unknown purpose)", err, digitalid.EINVALID)
	_, err = e.Present.Mint(ctx, adult.Session, present.Student)
	wantCode(t, "Mint(student without a card)", err, digitalid.EFORBIDDEN)

	minor := e.Adult(t, "2012-01-01")
	_, err = e.Present.Mint(ctx, minor.Session, present.AgeOver14)
	wantCode(t, "Mint(under 18)", err, digitalid.EFORBIDDEN)
	o, err := e.Present.Overview(ctx, minor.Citizen.ID)
	if err != nil || o.Eligible || len(o.Reasons) == 0 || len(o.Purposes) != 0 {
		t.Errorf("Overview(minor) = %+v, %v; want not eligible with reasons", o, err)
	}
	basic := e.Citizen(t)
	_, err = e.Present.Mint(ctx, basic.Session, present.AgeOver18)
	wantCode(t, "Mint(basic assurance)", err, digitalid.EFORBIDDEN)
}

// TestTamperCorpus: each way an online code can be wrong is refused with
// its own reason, and each refusal about a known handle is audited.
func TestTamperCorpus(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := presenttest.New(t, db, presenttest.Options{})
		shop, _ := e.Verifier(t, "Shop", present.AgeOver18)
		college, _ := e.Verifier(t, "College", present.Student)
		cases := []struct {
			name   string
			reason string
			setup  func(t *testing.T) (present.Verifier, string)
		}{
			{"malformed", present.ReasonMalformed, func(t *testing.T) (present.Verifier, string) { return shop, "hello" }},
			{"unknown handle", present.ReasonUnknownHandle, func(t *testing.T) (present.Verifier, string) {
				return shop, present.FormatHandle(make([]byte, 16))
			}},
			{"expired", present.ReasonExpired, func(t *testing.T) (present.Verifier, string) {
				p := mint(t, e, e.Adult(t, birth18), present.AgeOver18)
				e.Clock.Advance(30 * time.Second)
				return shop, p.Payload
			}},
			{"replayed", present.ReasonReplayed, func(t *testing.T) (present.Verifier, string) {
				p := mint(t, e, e.Adult(t, birth18), present.AgeOver18)
				if r := verifyAs(t, e, shop, p.Payload); !r.Valid() {
					t.Fatalf("first Verify = %+v", r)
				}
				return shop, p.Payload
			}},
			{"purpose not allowed", present.ReasonPurposeNotAllowed, func(t *testing.T) (present.Verifier, string) {
				return college, mint(t, e, e.Adult(t, birth18), present.AgeOver18).Payload
			}},
			{"device blocked", present.ReasonDeviceBlocked, func(t *testing.T) (present.Verifier, string) {
				c := e.Adult(t, birth18)
				p := mint(t, e, c, present.AgeOver18)
				if _, err := e.Accounts.Sessions.BlockDevice(ctx, c.Session, c.Device.ID, account.Client{}); err != nil {
					t.Fatalf("BlockDevice = %v", err)
				}
				return shop, p.Payload
			}},
			{"signed out", present.ReasonSessionEnded, func(t *testing.T) (present.Verifier, string) {
				c := e.Adult(t, birth18)
				p := mint(t, e, c, present.AgeOver18)
				if err := e.Accounts.Sessions.SignOut(ctx, c.Session, account.Client{}); err != nil {
					t.Fatal(err)
				}
				return shop, p.Payload
			}},
			{"revoked source", present.ReasonCredentialRevoked, func(t *testing.T) (present.Verifier, string) {
				c := e.Adult(t, birth18)
				p := mint(t, e, c, present.AgeOver18)
				e.Revoke(t, presenttest.PassportRef(c.Citizen.ID))
				return shop, p.Payload
			}},
			{"revoked student card", present.ReasonCredentialRevoked + " (student)", func(t *testing.T) (present.Verifier, string) {
				c := e.Adult(t, birth18)
				e.Push(t, c.Citizen.ID, "student_card", "card-"+c.Citizen.ID, presenttest.StudentFields("ИС-21", "2028-06-30"))
				p := mint(t, e, c, present.Student)
				e.Revoke(t, "card-"+c.Citizen.ID)
				return college, p.Payload
			}},
			{"assurance lowered", present.ReasonNotEligible, func(t *testing.T) (present.Verifier, string) {
				c := e.Adult(t, birth18)
				p := mint(t, e, c, present.AgeOver18)
				if err := e.Accounts.Citizens.SetAssurance(ctx, c.Citizen.ID, account.AssuranceStandard); err != nil {
					t.Fatal(err)
				}
				return shop, p.Payload
			}},
		}
		seen := map[string]string{}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				v, payload := tc.setup(t)
				r := verifyAs(t, e, v, payload)
				want, _, _ := strings.Cut(tc.reason, " ")
				if r.Outcome != present.Invalid || r.Reason != want || len(r.Claims) != 0 || r.PortraitToken != "" {
					t.Fatalf("Verify(%s) = %+v, want invalid %s and nothing disclosed", tc.name, r, tc.reason)
				}
				if other, dup := seen[tc.reason]; dup {
					t.Errorf("reason %s of %s is also %s's", r.Reason, tc.name, other)
				}
				seen[tc.reason] = tc.name
			})
		}
	})
}

// TestConcurrentRedeem: 50 verifications of one code at once, through
// two instances (each its own connection pool and services) over one
// database: exactly one is valid.
func TestConcurrentRedeem(t *testing.T) {
	dsns := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "digitalid.db") },
		"postgres": func(t *testing.T) string { return testenv.PostgresDSN(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			dsn := dsns[name](t)
			e := presenttest.New(t, testdb.Open(t, dsn), presenttest.Options{})
			other := presenttest.New(t, testdb.Open(t, dsn), presenttest.Options{}) // a second instance
			shop, _ := e.Verifier(t, "Shop", present.AgeOver18)
			c := e.Adult(t, birth18)
			p := mint(t, e, c, present.AgeOver18)
			var mu sync.Mutex
			results := map[string]int{}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 50 {
				svc := e.Present
				if i%2 == 1 {
					svc = other.Present
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := svc.Verify(ctx, shop, p.Payload, present.Client{})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						results["error: "+err.Error()]++
						return
					}
					results[string(r.Outcome)+" "+r.Reason]++
				}()
			}
			close(start)
			wg.Wait()
			if results["valid "] != 1 || results["invalid replayed"] != 49 {
				t.Errorf("50 concurrent Verify on 2 instances = %v, want 1 valid and 49 replayed", results)
			}
		})
	}
}

func TestOfflineRouted(t *testing.T) {
	e := presenttest.New(t, testdb.SQLite(t), presenttest.Options{})
	shop, _ := e.Verifier(t, "Shop", present.AgeOver18)
	r := verifyAs(t, e, shop, "DID1:eyJhbGciOiJFUzI1NiJ9.e30.sig~")
	if r.Outcome == present.Valid || r.Mode != present.ModeOffline || r.Reason == present.ReasonMalformed {
		t.Errorf("Verify(offline garbage) = %+v, want refused by offline verification", r)
	}
}
