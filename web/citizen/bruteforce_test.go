package citizen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/internal/testenv"
)

// twoInstances returns two citizen web servers — each with its own
// account.Service and connection pool, sharing keys and clock — over one
// fresh PostgreSQL database, listening on loopback, as two stateless
// instances behind a load balancer would.
func twoInstances(t *testing.T) (a *env, urls [2]string) {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	a = newEnv(t, testdb.Open(t, dsn), options{})
	b := newEnv(t, testdb.Open(t, dsn), options{twinOf: a})
	for i, e := range []*env{a, b} {
		ts := httptest.NewServer(e.srv.Handler())
		t.Cleanup(ts.Close)
		urls[i] = ts.URL
	}
	return a, urls
}

// burst posts body to path n times at once, alternating between the
// servers, and counts the answers by status and problem code.
func burst(t *testing.T, urls [2]string, n int, path string, body any) map[string]int {
	t.Helper()
	j, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := "transport error"
			resp, err := client.Post(urls[i%2]+path, "application/json", bytes.NewReader(j))
			if err == nil {
				var p problem
				_ = json.NewDecoder(resp.Body).Decode(&p)
				resp.Body.Close()
				key = fmt.Sprintf("%d %s", resp.StatusCode, p.Code)
			}
			mu.Lock()
			counts[key]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return counts
}

// TestBruteForcePINTwoInstances: 200 wrong PINs at once over HTTP, split
// across two server instances on one PostgreSQL database, are counted
// exactly: four are told wrong, the fifth locks, the other 195 are refused
// as locked without being checked; the right PIN is then refused too, while
// the owner's passkey still signs in.
func TestBruteForcePINTwoInstances(t *testing.T) {
	e, urls := twoInstances(t)
	s := e.signUp(phone(900))
	a := newAuthenticator(t)
	_, cred := e.addPasskey(s.SessionToken, a, "Face ID")

	const n = 200
	counts := burst(t, urls, n, "/api/v1/auth/signin", map[string]string{"pin": "4826", "device_token": s.DeviceToken})
	if counts["401 unauthorized"] != 4 || counts["423 locked"] != n-4 || len(counts) != 2 {
		t.Errorf("%d concurrent wrong PINs on two instances: %v; want 4 \"401 unauthorized\" and %d \"423 locked\"", n, counts, n-4)
	}
	var locks int
	if err := e.db.SQL().QueryRow("SELECT COUNT(*) FROM audit_events WHERE action = 'account.pin.locked'").Scan(&locks); err != nil {
		t.Fatalf("count lock events: %v", err)
	}
	if locks != 1 {
		t.Errorf("account.pin.locked audit events = %d, want 1", locks)
	}
	e.refused(req{method: "POST", path: "/api/v1/auth/signin", body: map[string]string{"pin": goodPIN, "device_token": s.DeviceToken}}, 423, "locked")

	// A locked PIN does not lock the passkey.
	c := e.beginPasskeySignIn()
	var in signedIn
	e.json(req{method: "POST", path: "/api/v1/auth/passkey/finish", body: finish(c, a.Get(c.Options, cred), "")}, 200, &in)
	if in.CitizenID != s.CitizenID {
		t.Errorf("passkey sign-in during the PIN lock = %+v, want a session of %s", in, s.CitizenID)
	}
}

// TestBruteForceOTPTwoInstances: 200 wrong codes at once over HTTP, split
// across two instances on one PostgreSQL database: exactly 5 entries are
// checked against the code (then it is spent), the number's limit of 10
// wrong entries locks it at exactly the 10th, and the right code, sent
// afterwards, does not get through.
func TestBruteForceOTPTwoInstances(t *testing.T) {
	e, urls := twoInstances(t)
	to := phone(901)
	e.json(req{method: "POST", path: "/api/v1/auth/otp", body: map[string]string{"phone": to, "purpose": "signup"}}, 202, nil)
	right := e.code(to)
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, right)+1)%1_000_000)

	const n = 200
	counts := burst(t, urls, n, "/api/v1/auth/otp/verify", map[string]string{"phone": to, "purpose": "signup", "code": wrong})
	if counts["401 unauthorized"] != 9 || counts["423 locked"] != n-9 || len(counts) != 2 {
		t.Errorf("%d concurrent wrong codes on two instances: %v; want 9 \"401 unauthorized\" and %d \"423 locked\"", n, counts, n-9)
	}
	var failures int
	if err := e.db.SQL().QueryRow("SELECT failures FROM account_otps").Scan(&failures); err != nil {
		t.Fatalf("read the code's failures: %v", err)
	}
	if failures != 5 {
		t.Errorf("wrong entries checked against the code = %d, want exactly 5", failures)
	}
	e.refused(req{method: "POST", path: "/api/v1/auth/otp/verify", body: map[string]string{"phone": to, "purpose": "signup", "code": right}}, 423, "locked")
}
