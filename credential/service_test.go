package credential_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/credential/credentialtest"
	"github.com/digitalid/digitalid/credential/statuslist"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/sdjwt"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/verify"
	"github.com/go-jose/go-jose/v4"
)

func types(as []credential.Attestation) map[string]credential.Attestation {
	out := map[string]credential.Attestation{}
	for _, a := range as {
		out[a.Type] = a
	}
	return out
}

func TestAttestationsFromVault(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(t, db)
		c := e.Citizen(t)
		id := c.Citizen.ID
		// A self-declared passport proves nothing.
		raw, _ := json.Marshal(credentialtest.PassportFields("1990-05-05"))
		if _, err := e.Vault.AddSelfDeclared(ctx, id, "passport_ru", raw, nil); err != nil {
			t.Fatalf("AddSelfDeclared: %v", err)
		}
		if as, err := e.Svc.Attestations(ctx, id); err != nil || len(as) != 0 {
			t.Errorf("Attestations(self-declared only) = %+v, %v; want none", as, err)
		}
		el, err := e.Svc.Eligibility(ctx, id)
		if err != nil || el.Eligible || !slices.Equal(el.Reasons, []credential.Reason{credential.ReasonNoIdentity, credential.ReasonAssurance}) {
			t.Errorf("Eligibility(basic, no passport) = %+v, %v", el, err)
		}
		if _, _, err := e.Svc.Portrait(ctx, id); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("Portrait(no confirmed passport) = %v, want ENOTFOUND", err)
		}

		// Turns 18 tomorrow.
		e.Push(t, id, "passport_ru", "p1", credentialtest.PassportFields("2008-11-24"))
		got := types(mustAtt(t, e, id))
		if a := got[credential.AgeOver18]; a.Claims[credential.AgeOver18] != false || !a.ValidUntil.Equal(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("age_over_18 the day before = %+v", a)
		}
		credentialtest.Must(t, "SetAssurance", e.Accounts.Citizens.SetAssurance(ctx, id, account.AssuranceHigh))
		if el, _ := e.Svc.Eligibility(ctx, id); el.Eligible || !slices.Equal(el.Reasons, []credential.Reason{credential.ReasonUnderAge}) {
			t.Errorf("Eligibility(17) = %+v, want under age", el)
		}
		e.Clock.Set(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
		if a := types(mustAtt(t, e, id))[credential.AgeOver18]; a.Claims[credential.AgeOver18] != true || !a.ValidUntil.IsZero() {
			t.Errorf("age_over_18 on the birthday = %+v", a)
		}
		if el, _ := e.Svc.Eligibility(ctx, id); !el.Eligible || len(el.Reasons) != 0 {
			t.Errorf("Eligibility(18, high) = %+v, want eligible", el)
		}
		if _, _, err := e.Svc.Portrait(ctx, id); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("Portrait(passport without photo) = %v, want ENOTFOUND", err)
		}

		// A student card counts until it expires or is revoked.
		card := e.Push(t, id, "student_card", "s1", credentialtest.StudentFields("ПМИ-201", "2026-12-31"))
		a := types(mustAtt(t, e, id))[credential.Student]
		want := map[string]any{"institution": "МГУ имени М. В. Ломоносова", "study_form": "full_time",
			"speciality": "01.03.02 Прикладная математика и информатика", "group": "ПМИ-201", "valid_until": "2026-12-31"}
		if a.SourceDocID != card || !mapsEqual(a.Claims, want) || !a.ValidUntil.Equal(time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("student = %+v, want %v from %s", a, want, card)
		}
		e.Clock.Set(time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC))
		if _, ok := types(mustAtt(t, e, id))[credential.Student]; ok {
			t.Error("student attestation from an expired card")
		}
		e.Push(t, id, "student_card", "s2", credentialtest.StudentFields("ПМИ-301", "2027-08-31"))
		if a := types(mustAtt(t, e, id))[credential.Student]; a.Claims["group"] != "ПМИ-301" {
			t.Errorf("student after a new card = %+v", a)
		}
		if _, err := e.Vault.RevokeFromIssuer(ctx, "mvd", "s2"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.Attestation(ctx, id, credential.Student); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("Attestation(student, card revoked) = %v, want ENOTFOUND", err)
		}
		if _, err := e.Vault.RevokeFromIssuer(ctx, "mvd", "p1"); err != nil {
			t.Fatal(err)
		}
		if as := mustAtt(t, e, id); len(as) != 0 {
			t.Errorf("Attestations(passport revoked) = %+v, want none", as)
		}
	})
}

func mustAtt(t *testing.T, e *credentialtest.Env, id string) []credential.Attestation {
	t.Helper()
	as, err := e.Svc.Attestations(context.Background(), id)
	credentialtest.Must(t, "Attestations", err)
	return as
}

func mapsEqual(a, b map[string]any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// payloadOf decodes the Issuer-signed JWT's header and payload.
func payloadOf(t *testing.T, cred string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(strings.SplitN(cred, "~", 2)[0], ".")
	if len(parts) != 3 {
		t.Fatalf("credential %q is not a compact JWS", cred)
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		credentialtest.Must(t, "decode JWS part", err)
		credentialtest.Must(t, "unmarshal JWS part", json.Unmarshal(b, dst))
	}
	return header, payload
}

func TestIssuePresentVerifyRevoke(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(t, db)
		c := e.Adult(t, "1990-05-05")
		id, dev := c.Citizen.ID, c.Device.ID
		priv, pub := credentialtest.HolderKeys(t, 5)
		b, err := e.Svc.Issue(ctx, id, dev, credential.AgeOver18, pub)
		if err != nil || len(b.Credentials) != 5 {
			t.Fatalf("Issue = %d credentials, %v", len(b.Credentials), err)
		}
		seen := map[string]bool{}
		for i, cred := range b.Credentials {
			if !strings.HasSuffix(cred, "~") || strings.Count(cred, "~") != 2 {
				t.Errorf("credential %d is not an SD-JWT with one Disclosure: %q", i, cred)
			}
			h, p := payloadOf(t, cred)
			if _, ok := h["kid"]; ok {
				t.Errorf("credential %d header has a kid: %v", i, h)
			}
			for _, k := range []string{"sub", "jti", "age_over_18"} {
				if _, ok := p[k]; ok {
					t.Errorf("credential %d has %s in the clear", i, k)
				}
			}
			if p["iss"] != credentialtest.PublicURL || p["vct"] != "age_over_18" {
				t.Errorf("credential %d iss/vct = %v %v", i, p["iss"], p["vct"])
			}
			ref, err := statuslist.ParseReference(p)
			if err != nil || ref.URI != credentialtest.PublicURL+"/status/1" {
				t.Errorf("credential %d status = %+v, %v", i, ref, err)
			}
			for _, v := range []string{"iat:" + jsonString(p["iat"]), "exp:" + jsonString(p["exp"]), "idx:" + jsonString(ref.Idx)} {
				if seen[v] {
					t.Errorf("credential %d repeats %s of another credential of the batch", i, v)
				}
				seen[v] = true
			}
			exp := time.Unix(int64(p["exp"].(float64)), 0)
			if exp.After(credentialtest.T0().Add(credential.DefaultLifetime)) || exp.Before(credentialtest.T0().Add(credential.DefaultLifetime-time.Hour)) || exp.Before(b.ExpiresAt) {
				t.Errorf("credential %d exp = %v, want within an hour before %v and not before %v", i, exp, credentialtest.T0().Add(credential.DefaultLifetime), b.ExpiresAt)
			}
			sd, _ := sdjwt.Parse(cred)
			v, err := sdjwt.Verify(cred, sdjwt.VerifyOptions{IssuerKeys: jwks(t, e), Now: e.Clock.Now})
			if err != nil || v.HolderKey == nil || !pub[i].Equal(v.HolderKey) || len(sd.Disclosures) != 1 {
				t.Errorf("credential %d: Verify = %+v, %v; want bound to holder key %d", i, v, err, i)
			}
		}

		payload := credentialtest.Present(t, b.Credentials[0], priv[0], credential.AgeOver18, e.Clock.Now())
		if len(payload) >= 1000 {
			t.Errorf("age_over_18 payload is %d characters, want under 1000", len(payload))
		}
		t.Logf("age_over_18 offline payload: %d characters", len(payload))
		r := e.Svc.VerifyOffline(ctx, payload, credential.AgeOver18, nil)
		if !r.Valid() || !mapsEqual(r.Claims, map[string]any{"age_over_18": true}) {
			t.Fatalf("VerifyOffline = %+v (%v), want valid {age_over_18: true}", r, r.Err)
		}
		if r := e.Svc.VerifyOffline(ctx, payload, credential.AgeOver21, nil); r.Outcome != verify.Invalid {
			t.Errorf("VerifyOffline(for another purpose) = %+v, want invalid", r)
		}
		if r := e.Svc.VerifyOffline(ctx, strings.TrimSuffix(verify.FormatPayload(b.Credentials[1]), "~")+"~", credential.AgeOver18, nil); r.Outcome != verify.Invalid || r.Reason != verify.ReasonNoKeyBinding {
			t.Errorf("VerifyOffline(credential without key binding) = %s %s, want invalid no_key_binding", r.Outcome, r.Reason)
		}
		e.Clock.Add(40 * time.Second)
		if r := e.Svc.VerifyOffline(ctx, payload, credential.AgeOver18, nil); r.Outcome != verify.Invalid || r.Reason != "kb_stale" {
			t.Errorf("VerifyOffline(40 s later) = %s %s, want invalid kb_stale", r.Outcome, r.Reason)
		}

		// Blocking the device revokes its credentials at once.
		tok1, err := e.Svc.StatusToken(ctx, 1)
		credentialtest.Must(t, "StatusToken", err)
		if n, err := e.Svc.RevokeForDevice(ctx, id, dev); err != nil || n != 5 {
			t.Fatalf("RevokeForDevice = %d, %v; want 5", n, err)
		}
		tok2, err := e.Svc.StatusToken(ctx, 1)
		credentialtest.Must(t, "StatusToken", err)
		if tok1.ETag == tok2.ETag || tok2.TTL != credential.DefaultStatusTTL {
			t.Errorf("StatusToken after a revocation = %+v, was %+v: want a new ETag", tok2, tok1)
		}
		set := jwks(t, e)
		list, _, err := statuslist.ParseToken(tok2.Token, set, e.Clock.Now(), credentialtest.PublicURL+"/status/1")
		credentialtest.Must(t, "statuslist.ParseToken", err)
		for i, cred := range b.Credentials {
			_, p := payloadOf(t, cred)
			ref, _ := statuslist.ParseReference(p)
			if st, err := list.Get(ref.Idx); err != nil || st != statuslist.Invalid {
				t.Errorf("credential %d status = %v, %v; want INVALID", i, st, err)
			}
		}
		payload = credentialtest.Present(t, b.Credentials[3], priv[3], credential.AgeOver18, e.Clock.Now())
		if r := e.Svc.VerifyOffline(ctx, payload, credential.AgeOver18, nil); r.Outcome != verify.Invalid || r.Reason != verify.ReasonRevoked {
			t.Errorf("VerifyOffline(device blocked) = %s %s, want invalid revoked", r.Outcome, r.Reason)
		}
	})
}

func jwks(t *testing.T, e *credentialtest.Env) *jose.JSONWebKeySet {
	t.Helper()
	set, err := e.Svc.JWKS(context.Background())
	credentialtest.Must(t, "JWKS", err)
	return &set
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestIssueRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(t, db)
		_, pub := credentialtest.HolderKeys(t, 2)
		adult := e.Adult(t, "1990-05-05")
		basic := e.Citizen(t)
		e.Push(t, basic.Citizen.ID, "passport_ru", "pb", credentialtest.PassportFields("1990-05-05"))
		young := e.Adult(t, "2009-01-01")
		other := e.Adult(t, "1991-01-01")
		before := rowCount(t, db)

		credentialtest.WantCode(t, "Issue(unknown type)", issue(e, adult, "passport_ru", pub), digitalid.EINVALID, "credential.error.unknown_type")
		credentialtest.WantCode(t, "Issue(no keys)", issue(e, adult, credential.AgeOver18, nil), digitalid.EINVALID, "credential.error.holder_keys")
		_, many := credentialtest.HolderKeys(t, credential.MaxBatch+1)
		credentialtest.WantCode(t, "Issue(21 keys)", issue(e, adult, credential.AgeOver18, many), digitalid.EINVALID, "credential.error.holder_keys")
		credentialtest.WantCode(t, "Issue(basic assurance)", issue(e, basic, credential.AgeOver18, pub), digitalid.EFORBIDDEN, "credential.error.not_eligible")
		credentialtest.WantCode(t, "Issue(17)", issue(e, young, credential.AgeOver18, pub), digitalid.EFORBIDDEN, "credential.error.not_eligible")
		credentialtest.WantCode(t, "Issue(no student card)", issue(e, adult, credential.Student, pub), digitalid.ENOTFOUND, "credential.error.no_source")
		_, err := e.Svc.Issue(ctx, adult.Citizen.ID, other.Device.ID, credential.AgeOver18, pub)
		credentialtest.WantCode(t, "Issue(another citizen's device)", err, digitalid.EFORBIDDEN, "credential.error.device_blocked")
		// A device that was issued MaxLive credentials of a type gets no more.
		_, pub20 := credentialtest.HolderKeys(t, credential.MaxBatch)
		for range credential.MaxLive / credential.MaxBatch {
			if _, err := e.Svc.Issue(ctx, adult.Citizen.ID, adult.Device.ID, credential.AgeOver14, pub20); err != nil {
				t.Fatalf("Issue(age_over_14 ×20): %v", err)
			}
		}
		_, err = e.Svc.Issue(ctx, adult.Citizen.ID, adult.Device.ID, credential.AgeOver14, pub[:1])
		credentialtest.WantCode(t, "Issue(over MaxLive)", err, digitalid.ERATELIMITED, "credential.error.too_many")
		_, err = e.Accounts.Sessions.BlockDevice(ctx, adult.Session, adult.Device.ID, account.Client{})
		credentialtest.Must(t, "BlockDevice", err)
		before = rowCount(t, db)
		credentialtest.WantCode(t, "Issue(blocked device)", issue(e, adult, credential.AgeOver18, pub), digitalid.EFORBIDDEN, "credential.error.device_blocked")
		if after := rowCount(t, db); after != before {
			t.Errorf("refused issuances stored %d status entries", after-before)
		}
	})
}

func issue(e *credentialtest.Env, c account.SignInResult, typ string, pub []*ecdsa.PublicKey) error {
	_, err := e.Svc.Issue(context.Background(), c.Citizen.ID, c.Device.ID, typ, pub)
	return err
}

func rowCount(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	credentialtest.Must(t, "count", db.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM credential_status_entries").Scan(&n))
	return n
}

func TestRevokeWithSourceDocument(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(t, db)
		c := e.Adult(t, "1990-05-05")
		e.Push(t, c.Citizen.ID, "student_card", "s1", credentialtest.StudentFields("ПМИ-201", "2028-08-31"))
		priv, pub := credentialtest.HolderKeys(t, 2)
		stud, err := e.Svc.Issue(ctx, c.Citizen.ID, c.Device.ID, credential.Student, pub)
		credentialtest.Must(t, "Issue(student)", err)
		age, err := e.Svc.Issue(ctx, c.Citizen.ID, c.Device.ID, credential.AgeOver21, pub[:1])
		credentialtest.Must(t, "Issue(age_over_21)", err)
		pay := credentialtest.Present(t, stud.Credentials[0], priv[0], credential.Student, e.Clock.Now())
		if r := e.Svc.VerifyOffline(ctx, pay, credential.Student, nil); !r.Valid() || r.Claims["group"] != "ПМИ-201" || len(r.Claims) != 4 {
			t.Fatalf("VerifyOffline(student) = %+v (%v)", r, r.Err)
		}
		// The issuer changes the card (a new group): the old credentials are revoked.
		e.Push(t, c.Citizen.ID, "student_card", "s1", credentialtest.StudentFields("ПМИ-301", "2028-08-31"))
		if r := e.Svc.VerifyOffline(ctx, pay, credential.Student, nil); r.Reason != verify.ReasonRevoked {
			t.Errorf("VerifyOffline(student, card changed) = %s %s, want revoked", r.Outcome, r.Reason)
		}
		pay = credentialtest.Present(t, age.Credentials[0], priv[0], credential.AgeOver21, e.Clock.Now())
		if r := e.Svc.VerifyOffline(ctx, pay, credential.AgeOver21, nil); !r.Valid() {
			t.Errorf("VerifyOffline(age_over_21 from the passport) = %s %s, want valid", r.Outcome, r.Reason)
		}
		// The issuer revokes the card: no new batch.
		if _, err := e.Vault.RevokeFromIssuer(ctx, "mvd", "s1"); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.Issue(ctx, c.Citizen.ID, c.Device.ID, credential.Student, pub)
		credentialtest.WantCode(t, "Issue(student, card revoked)", err, digitalid.ENOTFOUND, "credential.error.no_source")
	})
}

func TestRevokeExpired(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(t, db)
		c := e.Adult(t, "2005-12-01") // 21 on 1 December 2026
		priv, pub := credentialtest.HolderKeys(t, 1)
		b, err := e.Svc.Issue(ctx, c.Citizen.ID, c.Device.ID, credential.AgeOver21, pub)
		credentialtest.Must(t, "Issue", err)
		_, p := payloadOf(t, b.Credentials[0])
		if exp := time.Unix(int64(p["exp"].(float64)), 0); exp.After(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("age_over_21=false exp = %v, after the 21st birthday", exp)
		}
		if n, err := e.Svc.RevokeExpired(ctx); err != nil || n != 0 {
			t.Errorf("RevokeExpired before the birthday = %d, %v", n, err)
		}
		e.Clock.Set(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if n, err := e.Svc.RevokeExpired(ctx); err != nil || n != 1 {
			t.Errorf("RevokeExpired on the birthday = %d, %v; want 1", n, err)
		}
		_ = priv
	})
}

func TestParseListID(t *testing.T) {
	for _, s := range []string{"1", "42", "9223372036854775807"} {
		if _, err := credential.ParseListID(s); err != nil {
			t.Errorf("ParseListID(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "0", "-1", "01", "+1", "1a", "9223372036854775808", " 1"} {
		if _, err := credential.ParseListID(s); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("ParseListID(%q) = %v, want ENOTFOUND", s, err)
		}
	}
}

func TestRevokeBlockedSweep(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := credentialtest.NewEnv(t, db)
		c := e.Adult(t, "1990-05-05")
		keep := e.Adult(t, "1991-05-05")
		priv, pub := credentialtest.HolderKeys(t, 2)
		b, err := e.Svc.Issue(ctx, c.Citizen.ID, c.Device.ID, credential.AgeOver18, pub)
		credentialtest.Must(t, "Issue", err)
		kb, err := e.Svc.Issue(ctx, keep.Citizen.ID, keep.Device.ID, credential.AgeOver18, pub[:1])
		credentialtest.Must(t, "Issue", err)
		_, err = e.Accounts.Sessions.BlockDevice(ctx, c.Session, c.Device.ID, account.Client{})
		credentialtest.Must(t, "BlockDevice", err)
		if n, err := e.Svc.RevokeBlocked(ctx); err != nil || n != 2 {
			t.Fatalf("RevokeBlocked = %d, %v; want 2", n, err)
		}
		pay := credentialtest.Present(t, b.Credentials[1], priv[1], credential.AgeOver18, e.Clock.Now())
		if r := e.Svc.VerifyOffline(ctx, pay, credential.AgeOver18, nil); r.Reason != verify.ReasonRevoked {
			t.Errorf("VerifyOffline(device blocked, swept) = %s %s, want revoked", r.Outcome, r.Reason)
		}
		pay = credentialtest.Present(t, kb.Credentials[0], priv[0], credential.AgeOver18, e.Clock.Now())
		if r := e.Svc.VerifyOffline(ctx, pay, credential.AgeOver18, nil); !r.Valid() {
			t.Errorf("VerifyOffline(another citizen's device) = %s %s, want valid", r.Outcome, r.Reason)
		}
	})
}
