package presentweb_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/store"
)

// TestVerifierPortraitURL: the portrait link of a valid online check gives
// the photo to the verifier that made the check only, for 2 minutes and 3
// reads, each read audited in the citizen's chain; every other link
// (another verifier's, expired, used up, unknown, malformed, or a citizen
// without a photo) is the same 404.
func TestVerifierPortraitURL(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		c := e.Adult(t, birth)
		shop, cred := e.Verifier(t, "Magnum Shop", present.AgeOver18)
		_, otherCred := e.Verifier(t, "Other Shop", present.AgeOver18)
		photo := portraitPNG(t, 48, 60)
		e.pushPortrait(t, c.Citizen.ID, birth, photo)

		check := func() string {
			t.Helper()
			v := e.verify(cred, e.mint(c.SessionToken, present.AgeOver18).Payload)
			path := strings.TrimPrefix(v.PortraitURL, "http://id.example")
			if v.Result != "valid" || !strings.HasPrefix(path, "/api/v1/verifier/portraits/") || len(path) != len("/api/v1/verifier/portraits/")+32 {
				t.Fatalf("verify = %+v, want valid with a portrait link", v)
			}
			return path
		}
		var gone string // the body of the one 404
		notFound := func(what string, r req) {
			t.Helper()
			e.refused(r, 404, "not_found")
			body := e.do(r).Body.String()
			if gone == "" {
				gone = body
			}
			if strings.Contains(body, r.path[len("/api/v1/verifier/portraits/"):]) && len(r.path) > len("/api/v1/verifier/portraits/")+3 {
				t.Errorf("%s: the 404 echoes the token: %s", what, body)
			}
			if stripID(body) != stripID(gone) {
				t.Errorf("%s: 404 %s, want the same as %s", what, body, gone)
			}
		}
		read := func(path string) {
			t.Helper()
			w := e.do(req{method: "GET", path: path, bearer: cred})
			h := w.Header()
			if w.Code != 200 || h.Get("Content-Type") != "image/png" || h.Get("Cache-Control") != "no-store" ||
				h.Get("X-Content-Type-Options") != "nosniff" || !bytes.HasPrefix(w.Body.Bytes(), []byte("\x89PNG")) {
				t.Fatalf("GET %s = %d %v, %d bytes; want the PNG, no-store, nosniff", path, w.Code, h, w.Body.Len())
			}
		}

		path := check()
		// Without credentials: 401, as the verify call.
		e.refused(req{method: "GET", path: path}, 401, "unauthorized")
		// Another verifier: 404, and its attempt uses none of the reads.
		notFound("another verifier", req{method: "GET", path: path, bearer: otherCred})
		read(path)
		read(path)
		read(path)
		notFound("used up", req{method: "GET", path: path, bearer: cred}) // a fourth read (replay)

		evs, err := e.Audit.List(t.Context(), c.Citizen.ID, audit.ListOptions{Actions: []string{present.ActionPortraitRead}})
		if err != nil || len(evs) != 3 {
			t.Fatalf("portrait reads audited = %d, %v; want 3", len(evs), err)
		}
		for i, ev := range evs {
			if ev.Actor.Type != audit.ActorVerifier || ev.Actor.ID != shop.ID || ev.Result != audit.Success ||
				ev.Details["purpose"] != present.AgeOver18 || !strings.HasPrefix(ev.Object, "presentation:") || ev.Details["read"] == "" {
				t.Errorf("audit event %d = %+v", i, ev)
			}
		}

		// Valid for 2 minutes on the injected clock.
		path = check()
		e.Clock.Advance(present.PortraitTTL - time.Second)
		read(path)
		e.Clock.Advance(time.Second)
		notFound("expired", req{method: "GET", path: path, bearer: cred})

		// Malformed and unknown tokens.
		token := path[len("/api/v1/verifier/portraits/"):]
		for _, bad := range []string{"x", strings.ToUpper(token), token + "a", token[:31], strings.Repeat("a", 32), "..%2f..%2fid"} {
			notFound("token "+bad, req{method: "GET", path: "/api/v1/verifier/portraits/" + bad, bearer: cred})
		}

		// The verify call's single use is unchanged: a replayed code gets
		// no link.
		m := e.mint(c.SessionToken, present.AgeOver18)
		e.verify(cred, m.Payload)
		if v := e.verify(cred, m.Payload); v.Result != "invalid" || v.PortraitURL != "" {
			t.Errorf("verify(replayed) = %+v, want invalid without a portrait link", v)
		}

		// A citizen with no photo from a confirmed passport: the link gives
		// the same 404.
		c2 := e.Adult(t, birth)
		v := e.verify(cred, e.mint(c2.SessionToken, present.AgeOver18).Payload)
		notFound("no photo", req{method: "GET", path: strings.TrimPrefix(v.PortraitURL, "http://id.example"), bearer: cred})

		// A link minted just before the account was deleted shows nothing.
		path = check()
		s, _, err := e.Accounts.Sessions.Authenticate(t.Context(), c.SessionToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Accounts.DeleteAccount(t.Context(), s, account.Client{}); err != nil {
			t.Fatalf("DeleteAccount = %v", err)
		}
		notFound("account deleted", req{method: "GET", path: path, bearer: cred})
	})
}

// stripID drops the per-request fields of a problem (instance, request
// id) so two 404s compare.
func stripID(body string) string {
	var out []string
	for _, part := range strings.Split(body, ",") {
		if strings.Contains(part, `"instance"`) || strings.Contains(part, `"request_id"`) {
			continue
		}
		out = append(out, part)
	}
	return strings.Join(out, ",")
}

// BenchmarkVerifyAndPortraitHTTP is what a scanner does per valid check
// when it shows the face: POST /api/v1/verifier/verify, then one GET of
// the answer's portrait_url (the passportJPEG photo read, decrypted and
// sent as bytes). 8 clients on a loopback server; reports checks/s and
// p50/p99 of the pair. Bound it with -benchtime=Nx.
func BenchmarkVerifyAndPortraitHTTP(b *testing.B) {
	photo := passportJPEG(b)
	b.Run("sqlite", func(b *testing.B) { benchVerifyAndPortrait(b, testdb.SQLite(b), photo) })
	b.Run("postgres", func(b *testing.B) { benchVerifyAndPortrait(b, testdb.Postgres(b), photo) })
}

func benchVerifyAndPortrait(b *testing.B, db *store.DB, photo []byte) {
	v := newVerifyBench(b, db, photo)
	loadHTTP(b, 8, "checks", "checks failed", func(i int) (time.Duration, bool) {
		body, _ := json.Marshal(map[string]string{"payload": v.payloads[i]})
		t0 := time.Now()
		resp, err := v.client.Do(v.request("POST", "/api/v1/verifier/verify", body))
		if err != nil {
			return 0, false
		}
		var out struct {
			Result      string
			PortraitURL string `json:"portrait_url"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || out.Result != "valid" || out.PortraitURL == "" {
			return 0, false
		}
		resp, err = v.client.Do(v.request("GET", strings.TrimPrefix(out.PortraitURL, "http://id.example"), nil))
		if err != nil {
			return 0, false
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(t0), resp.StatusCode == 200 && n >= 1000
	})
}
