package recovery_test

import (
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
)

// FuzzRequestDecoders sends arbitrary bodies to every recovery endpoint
// that decodes one; each must answer with a clear status, never a 5xx.
func FuzzRequestDecoders(f *testing.F) {
	for _, s := range []string{
		`{"name":"Bob","phone":"+77011234567"}`, `{"code":"123456"}`, `{"phone":"+77011234567","code":"123456","reason":"pin"}`,
		`{"method":"otp","code":"123456","pin":"2791"}`, `{"method":"passkey","ceremony_id":"x","response":{"id":"a"},"pin":"2791"}`,
		`{}`, `[]`, `null`, `{"name":1}`, `{"phone":"+7"}`, "\xff", `{"reason":"devices","phone":"8 701 123 45 67"}`,
		`{"name":"` + string(make([]byte, 300)) + `"}`, `{"pin":"0000","method":"sms"}`,
	} {
		f.Add(s, uint8(0))
	}
	e := newEnv(f, testdb.SQLite(f), "http://id.example")
	alice, bob := e.person(1, 30, account.AssuranceStandard), e.person(2, 40, account.AssuranceStandard)
	e.link(alice, bob)
	st := e.startRecovery(alice)
	targets := []req{
		{method: "POST", path: "/api/v1/me/trusted-contacts", token: alice.Token},
		{method: "POST", path: "/api/v1/me/recovery-approvals/" + st.ID + "/approve", token: bob.Token},
		{method: "POST", path: "/api/v1/recovery/code"},
		{method: "POST", path: "/api/v1/recovery/requests"},
		{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: st.Handle},
		{method: "POST", path: "/api/v1/recovery/requests/" + st.ID + "/complete", token: string(make([]byte, 47))},
	}
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		r := targets[int(which)%len(targets)]
		r.body = []byte(body)
		rec := e.serve(r)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q = %d %s", r.method, r.path, body, rec.Code, rec.Body)
		}
	})
}
