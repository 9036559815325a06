package history_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web/history"
)

var cl = account.Client{IP: "192.0.2.9"}

// chainIDs are the ids of every event on a citizen's chain.
func chainIDs(t *testing.T, e *env, citizenID string) map[string]bool {
	t.Helper()
	l, err := e.Audit.List(context.Background(), citizenID, audit.ListOptions{Limit: audit.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, ev := range l {
		ids[ev.ID] = true
	}
	return ids
}

// TestOwnEventsOnly: a citizen sees their own chain and nothing of another
// citizen's, whatever they put in the address; without a session, nothing.
func TestOwnEventsOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		ctx := context.Background()
		a, b := e.Citizen(t), e.Citizen(t)
		if err := e.Accounts.ChangePIN(ctx, a.Session, "284915", cl); err != nil {
			t.Fatal(err)
		}
		if err := e.Accounts.ChangePIN(ctx, b.Session, "371592", cl); err != nil {
			t.Fatal(err)
		}
		v, _ := e.Verifier(t, "Corner shop", "age_over_18")
		e.appendEvent(audit.Event{Chain: b.Citizen.ID, Actor: audit.Actor{Type: audit.ActorVerifier, ID: v.ID},
			Action: present.ActionChecked, Details: map[string]string{"purpose": "age_over_18"}})
		mine, theirs := chainIDs(t, e, a.Citizen.ID), chainIDs(t, e, b.Citizen.ID)
		// The attacker (b's session) tries to name a's chain every way.
		for _, q := range []string{"", "?chain=" + a.Citizen.ID, "?citizen=" + a.Citizen.ID, "?filter=access&chain=" + a.Citizen.ID,
			"?before=999999", "?limit=100"} {
			p := e.history(b.SessionToken, q, "")
			for _, ev := range p.Events {
				if mine[ev.ID] || !theirs[ev.ID] {
					t.Fatalf("%s: b sees event %s (%s) not on b's chain", q, ev.ID, ev.Action)
				}
			}
		}
		p := e.history(a.SessionToken, "", "")
		if len(p.Events) != len(mine) {
			t.Fatalf("a sees %d events, the chain has %d", len(p.Events), len(mine))
		}
		for _, ev := range p.Events {
			if !mine[ev.ID] || theirs[ev.ID] {
				t.Fatalf("a sees event %s not on a's chain", ev.ID)
			}
			if strings.Contains(ev.Text, "Corner shop") {
				t.Fatal("a sees b's verifier")
			}
		}
		if p.Events[0].Action != "account.pin.changed" || p.Events[0].Text != "PIN changed" || p.Events[0].Actor != "You" ||
			p.Events[0].ResultText != "done" {
			t.Errorf("newest event = %+v", p.Events[0])
		}
		e.refused(req{method: "GET", path: "/api/v1/me/history"}, 401, digitalid.EUNAUTHORIZED)
		e.refused(req{method: "GET", path: "/api/v1/me/history", bearer: "not-a-token"}, 401, digitalid.EUNAUTHORIZED)
		// A signed-out session sees nothing any more.
		if err := e.Accounts.Sessions.SignOut(ctx, a.Session, cl); err != nil {
			t.Fatal(err)
		}
		e.refused(req{method: "GET", path: "/api/v1/me/history", bearer: a.SessionToken}, 401, digitalid.EUNAUTHORIZED)
	})
}

// TestPagination walks the chain page by page: newest first, every event
// once.
func TestPagination(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		c := e.Citizen(t)
		for range 23 {
			e.appendEvent(audit.Event{Chain: c.Citizen.ID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: c.Citizen.ID},
				Action: "account.reauth", Details: map[string]string{"method": "pin"}})
		}
		total := len(chainIDs(t, e, c.Citizen.ID))
		var seqs []int64
		q, pages := "?limit=7", 0
		for {
			p := e.history(c.SessionToken, q, "")
			pages++
			if len(p.Events) > 7 {
				t.Fatalf("page of %d events, limit 7", len(p.Events))
			}
			for _, ev := range p.Events {
				seqs = append(seqs, ev.Seq)
			}
			if p.NextBefore == 0 {
				break
			}
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			q = "?limit=7&before=" + itoa(p.NextBefore)
		}
		if len(seqs) != total || pages != (total+6)/7 {
			t.Fatalf("read %d events in %d pages, want %d", len(seqs), pages, total)
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] >= seqs[i-1] {
				t.Fatalf("not newest first without repeats: %v", seqs)
			}
		}
		if p := e.history(c.SessionToken, "", ""); len(p.Events) != history.DefaultLimit || p.NextBefore == 0 {
			t.Errorf("default page: %d events, next %d", len(p.Events), p.NextBefore)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestAccessFilter: verifiers, relying parties, issuers and the operator,
// named, with the real services doing the audited work.
func TestAccessFilter(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		ctx := context.Background()
		c := e.Adult(t, "1990-05-01") // the issuer pushes a passport
		id := c.Citizen.ID
		v, _ := e.Verifier(t, "Corner shop", "age_over_18")
		rp := e.relyingParty("City Bank")
		// A real presentation, checked by the verifier.
		pr, err := e.Present.Mint(ctx, c.Session, "age_over_18")
		if err != nil {
			t.Fatal(err)
		}
		if res, err := e.Present.Verify(ctx, v, pr.Payload, present.Client{IP: "198.51.100.4"}); err != nil || !res.Valid() {
			t.Fatalf("Verify = %+v, %v", res, err)
		}
		// The same code again is refused (replayed).
		if res, _ := e.Present.Verify(ctx, v, pr.Payload, present.Client{}); res.Valid() {
			t.Fatal("a replayed code passed")
		}
		// The bank reads the passport under a consent.
		docs, err := e.Vault.List(ctx, id)
		if err != nil || len(docs) == 0 {
			t.Fatalf("documents: %v %v", docs, err)
		}
		if _, err := e.Vault.ReadForParty(ctx, audit.Actor{Type: audit.ActorRelyingParty, ID: rp.ID}, id, docs[0].ID, "age_over_18"); err != nil {
			t.Fatal(err)
		}
		e.appendEvent(audit.Event{Chain: id, Actor: audit.Actor{Type: audit.ActorRelyingParty, ID: rp.ID},
			Action: "oidc.token.issued", Details: map[string]string{"grant": "authorization_code"}})
		e.appendEvent(audit.Event{Chain: id, Actor: audit.Actor{Type: audit.ActorCitizen, ID: id},
			Action: "consent.granted", Details: map[string]string{"relying_party": rp.ID, "scopes": "2"}})
		e.appendEvent(audit.Event{Chain: id, Actor: audit.Actor{Type: audit.ActorOperator, ID: "ops"},
			Action: "account.proofing.review", Details: map[string]string{"decision": "approved"}})
		// Many of the citizen's own events between them.
		for range 30 {
			e.appendEvent(audit.Event{Chain: id, Actor: audit.Actor{Type: audit.ActorCitizen, ID: id}, Action: "account.reauth"})
		}
		e.appendEvent(audit.Event{Chain: id, Actor: audit.Actor{Type: audit.ActorVerifier, ID: v.ID},
			Action: present.ActionChecked, Result: audit.Denied, Details: map[string]string{"purpose": "age_over_18", "reason": "expired"}})

		p := e.history(c.SessionToken, "?filter=access", "")
		if p.Filter != "access" {
			t.Errorf("filter = %q", p.Filter)
		}
		var got []string
		for _, ev := range p.Events {
			if !ev.Access {
				t.Errorf("access filter shows %+v", ev)
			}
			got = append(got, ev.Action+"|"+ev.Text+"|"+ev.Result)
		}
		want := []string{
			"presentation.checked|ID shown to Corner shop|denied",
			"account.proofing.review|Identity check reviewed by the operator|success",
			"oidc.token.issued|Token issued to City Bank|success",
			"document.read|Document read by City Bank|success",
			"presentation.checked|ID shown to Corner shop|denied",
			"presentation.checked|ID shown to Corner shop|success",
			"document.created|Document added by " + issuerName + "|success",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("access events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if p.Events[0].ReasonText == "" || p.Events[0].ReasonText == "expired" || p.Events[0].About != "Over 18" && !strings.Contains(p.Events[0].About, "18") {
			t.Errorf("refused check: %+v", p.Events[0])
		}
		// One lookup per distinct party in the page.
		for k, n := range e.lookups {
			if n != 1 {
				t.Errorf("%s looked up %d times", k, n)
			}
		}
		// Paginated with a small limit, the filter gives the same events.
		var paged []string
		for q := "?filter=access&limit=2"; ; {
			p := e.history(c.SessionToken, q, "")
			for _, ev := range p.Events {
				paged = append(paged, ev.Action+"|"+ev.Text+"|"+ev.Result)
			}
			if p.NextBefore == 0 {
				break
			}
			q = "?filter=access&limit=2&before=" + itoa(p.NextBefore)
		}
		if !slices.Equal(paged, want) {
			t.Fatalf("paged access events:\n%s", strings.Join(paged, "\n"))
		}
		// "All" also has the consent, in the citizen's words, and the own events.
		all := e.history(c.SessionToken, "?limit=100", "")
		var consent, own bool
		for _, ev := range all.Events {
			if ev.Action == "consent.granted" && ev.Text == "Access granted to City Bank" && ev.Actor == "You" {
				consent = true
			}
			if ev.Action == "account.reauth" {
				own = true
			}
		}
		if !consent || !own {
			t.Errorf("all: consent %v, own %v", consent, own)
		}
		// Russian.
		ru := e.history(c.SessionToken, "?filter=access&limit=1", "ru")
		if ru.Events[0].Text != "Удостоверение показано: Corner shop" || ru.Events[0].ResultText != "отказано" {
			t.Errorf("ru: %+v", ru.Events[0])
		}
		kk := e.history(c.SessionToken, "?filter=access&limit=1", "kk")
		if kk.Events[0].Text != "Куәлік көрсетілді: Corner shop" {
			t.Errorf("kk: %+v", kk.Events[0])
		}
	})
}

// TestWords: device names, unknown parties and actions, and the page.
func TestWords(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		c := e.Citizen(t)
		id := c.Citizen.ID
		e.appendEvent(audit.Event{Chain: id, Actor: audit.Actor{Type: audit.ActorVerifier, ID: "gone"},
			Action: present.ActionChecked, Details: map[string]string{"purpose": "student"}})
		e.appendEvent(audit.Event{Chain: id, Actor: audit.Actor{Type: audit.ActorSystem}, Action: "future.thing"})
		p := e.history(c.SessionToken, "", "")
		if p.Events[0].Text != "Event future.thing" || p.Events[0].Actor != "Digital ID service" {
			t.Errorf("unknown action: %+v", p.Events[0])
		}
		if p.Events[1].Text != "ID shown to A verifier" || p.Events[1].Actor != "A verifier" {
			t.Errorf("unknown verifier: %+v", p.Events[1])
		}
		var signup event
		for _, ev := range p.Events {
			if ev.Action == "account.signup" {
				signup = ev
			}
		}
		if signup.Device != "Phone" || signup.Text != "Account created" {
			t.Errorf("sign-up: %+v", signup)
		}
		rec := e.do(req{method: "GET", path: "/account/history", bearer: c.SessionToken})
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "Account created") || !strings.Contains(body, "Event future.thing") ||
			!strings.Contains(body, `id="filter-access"`) {
			t.Fatalf("page = %d %.500s", rec.Code, body)
		}
		if strings.Contains(body, "192.0.2") {
			t.Error("the page shows an IP address")
		}
		rec = e.do(req{method: "GET", path: "/account/history?limit=abc", bearer: c.SessionToken})
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `id="history-error"`) {
			t.Errorf("bad query page = %d", rec.Code)
		}
		rec = e.do(req{method: "GET", path: "/account/history"})
		if rec.Code != 303 && rec.Code != 302 {
			t.Errorf("signed-out page = %d", rec.Code)
		}
		for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?before=0", "?before=-1", "?before=1e3", "?filter=everything"} {
			e.refused(req{method: "GET", path: "/api/v1/me/history" + q, bearer: c.SessionToken}, 400, digitalid.EINVALID)
		}
	})
}

// FuzzParseQuery: any query string parses or is refused with EINVALID;
// what parses is within bounds.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "limit=10", "limit=0", "limit=100&before=5&filter=access", "before=-1", "filter=x",
		"limit=99999999999999999999", "before=9223372036854775808", "limit=%ZZ", "limit=1&limit=2", "filter=all&filter=access"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := history.ParseQuery(v)
		if err != nil {
			if digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Fatalf("ParseQuery(%q): %v", raw, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > history.MaxLimit || q.Before < 0 || (q.Filter != history.FilterAll && q.Filter != history.FilterAccess) {
			t.Fatalf("ParseQuery(%q) = %+v", raw, q)
		}
	})
}

// TestPasskeyFailureWorded: the reasons a refused passkey sign-in records
// (account.Passkeys.FinishLogin) read as words, not as raw tokens, in
// every language.
func TestPasskeyFailureWorded(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "")
		c := e.Citizen(t)
		reasons := []string{"user_verification", "counter", "failed", "ceremony", "blocked"}
		for _, r := range reasons {
			e.appendEvent(audit.Event{Chain: c.Citizen.ID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: c.Citizen.ID},
				Action: "account.signin", Result: audit.Failure, Details: map[string]string{"method": "passkey", "reason": r}})
		}
		for _, lang := range []string{"en", "ru", "kk"} {
			p := e.history(c.SessionToken, "?limit="+strconv.Itoa(len(reasons)), lang)
			seen := map[string]bool{}
			for _, ev := range p.Events {
				if ev.Reason == "" || ev.ReasonText == "" || ev.ReasonText == ev.Reason || seen[ev.ReasonText] {
					t.Errorf("%s: reason %q reads %q", lang, ev.Reason, ev.ReasonText)
				}
				seen[ev.ReasonText] = true
			}
			if len(p.Events) != len(reasons) {
				t.Fatalf("%s: %d events", lang, len(p.Events))
			}
		}
	})
}
