package storetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/store"
	"github.com/go-jose/go-jose/v4"
)

// OIDC exercises the relying-party store on db: the client registry,
// authorization requests (pushed requests and codes used once, exactly,
// under concurrency), consents and their revocation with their tokens,
// refresh rotation (once), token revocation filters, assertion ids and the
// purge.
func OIDC(t *testing.T, db *store.DB) {
	t.Run("clients", func(t *testing.T) { oidcClients(t, db) })
	t.Run("requests", func(t *testing.T) { oidcRequests(t, db) })
	t.Run("tokens", func(t *testing.T) { oidcTokens(t, db) })
	t.Run("assertions", func(t *testing.T) { oidcAssertions(t, db) })
}

var oidcT0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func mustClient(t *testing.T, db *store.DB, id string) oidc.RelyingParty {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	c := oidc.RelyingParty{ID: id, Name: "Bank " + id, LogoURL: "https://bank.example/logo.png",
		RedirectURIs: []string{"https://bank.example/cb"}, Scopes: []string{"openid", "document:snils"},
		RequiredScopes: []string{"document:snils"}, AuthMethod: oidc.AuthPrivateKeyJWT,
		PublicKeys:  jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "k1", Algorithm: "EdDSA", Use: "sig"}}},
		ConsentDays: 90, Status: oidc.ClientActive, CreatedAt: oidcT0}
	if err := db.CreateClient(context.Background(), c); err != nil {
		t.Fatalf("CreateClient(%s) = %v", id, err)
	}
	return c
}

func oidcClients(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustClient(t, db, "rp_a")
	mustClient(t, db, "rp_b")
	wantErrCode(t, "CreateClient(duplicate)", db.CreateClient(ctx, c), digitalid.ECONFLICT)
	got, err := db.Client(ctx, "rp_a")
	if err != nil || got.Name != c.Name || len(got.PublicKeys.Keys) != 1 || got.RequiredScopes[0] != "document:snils" ||
		!got.CreatedAt.Equal(oidcT0) || got.ConsentDays != 90 || got.LogoURL != c.LogoURL {
		t.Fatalf("Client(rp_a) = %+v, %v", got, err)
	}
	_, err = db.Client(ctx, "rp_none")
	wantErrCode(t, "Client(unknown)", err, digitalid.ENOTFOUND)
	l, err := db.Clients(ctx)
	if err != nil || len(l) != 2 || l[0].ID != "rp_a" {
		t.Fatalf("Clients = %v, %v", l, err)
	}
	if err := db.DisableClient(ctx, "rp_b", oidcT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Client(ctx, "rp_b"); got.Status != oidc.ClientDisabled || !got.DisabledAt.Equal(oidcT0.Add(time.Hour)) {
		t.Fatalf("after DisableClient: %+v", got)
	}
	wantErrCode(t, "DisableClient(unknown)", db.DisableClient(ctx, "rp_none", oidcT0), digitalid.ENOTFOUND)
}

func newRequest(id, client, state string) oidc.Request {
	return oidc.Request{ID: id, ClientID: client, State: state, CreatedAt: oidcT0, ExpiresAt: oidcT0.Add(10 * time.Minute),
		Params: oidc.Params{RedirectURI: "https://bank.example/cb", Scopes: []string{"openid", "document:snils"}, ResponseType: "code",
			CodeChallenge: "c", CodeChallengeMethod: "S256", Query: "a=b"}}
}

func sum(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func oidcRequests(t *testing.T, db *store.DB) {
	ctx := context.Background()
	mustClient(t, db, "rp_r")
	cit := mustCitizen(t, db, "oidcreq")
	// Pushed: taken once, by its client only, before expiry.
	if err := db.CreateRequest(ctx, newRequest("par_1", "rp_r", oidc.RequestPushed)); err != nil {
		t.Fatal(err)
	}
	_, err := db.TakePushed(ctx, "par_1", "rp_other", oidcT0)
	wantErrCode(t, "TakePushed(other client)", err, digitalid.ENOTFOUND)
	_, err = db.TakePushed(ctx, "par_1", "rp_r", oidcT0.Add(11*time.Minute))
	wantErrCode(t, "TakePushed(expired)", err, digitalid.ENOTFOUND)
	var took atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := db.TakePushed(ctx, "par_1", "rp_r", oidcT0); err == nil && r.Params.Query == "a=b" {
				took.Add(1)
			}
		}()
	}
	wg.Wait()
	if took.Load() != 1 {
		t.Fatalf("TakePushed succeeded %d times, want once", took.Load())
	}
	// Pending → approved with a consent → code → used once.
	r := newRequest("ar_1", "rp_r", oidc.RequestPending)
	if err := db.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := db.Request(ctx, "ar_1", oidcT0)
	if err != nil || got.State != oidc.RequestPending || got.Params.CodeChallenge != "c" || len(got.Params.Scopes) != 2 {
		t.Fatalf("Request = %+v, %v", got, err)
	}
	_, err = db.Request(ctx, "ar_1", oidcT0.Add(10*time.Minute))
	wantErrCode(t, "Request(expired)", err, digitalid.ENOTFOUND)
	wantErrCode(t, "SaveCode(pending)", db.SaveCode(ctx, "ar_1", sum("code")), digitalid.ENOTFOUND)
	c := oidc.Consent{ID: "cns_1", CitizenID: cit.ID, ClientID: "rp_r", Scopes: []string{"openid", "document:snils"}, DeviceID: "d_1",
		CreatedAt: oidcT0, ExpiresAt: oidcT0.Add(90 * 24 * time.Hour)}
	r.CitizenID, r.Subject, r.Granted, r.AuthTime = cit.ID, "sub-1", c.Scopes, oidcT0
	if err := db.ApproveRequest(ctx, r, c, oidcT0); err != nil {
		t.Fatal(err)
	}
	c.ID = "cns_2"
	wantErrCode(t, "ApproveRequest(again)", db.ApproveRequest(ctx, r, c, oidcT0), digitalid.ENOTFOUND)
	if _, err := db.Consent(ctx, "cns_2"); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Fatalf("a refused approval stored its consent: %v", err)
	}
	if err := db.SaveCode(ctx, "ar_1", sum("code")); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, "SaveCode(again)", db.SaveCode(ctx, "ar_1", sum("code2")), digitalid.ENOTFOUND)
	var used, conflicts atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := db.UseCode(ctx, sum("code"), oidcT0)
			switch digitalid.ErrorCode(err) {
			case "":
				if r.ConsentID == "cns_1" && r.Subject == "sub-1" && r.CitizenID == cit.ID {
					used.Add(1)
				}
			case digitalid.ECONFLICT:
				if r.ID == "ar_1" {
					conflicts.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if used.Load() != 1 || conflicts.Load() != 7 {
		t.Fatalf("UseCode: %d uses, %d conflicts; want 1 and 7", used.Load(), conflicts.Load())
	}
	_, err = db.UseCode(ctx, sum("nope"), oidcT0)
	wantErrCode(t, "UseCode(unknown)", err, digitalid.ENOTFOUND)
	// A used request stays (to recognise reuse); others are deleted.
	if err := db.DeleteRequest(ctx, "ar_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Request(ctx, "ar_1", oidcT0); err != nil {
		t.Fatalf("the used request was deleted: %v", err)
	}
	// Deny.
	if err := db.CreateRequest(ctx, newRequest("ar_2", "rp_r", oidc.RequestPending)); err != nil {
		t.Fatal(err)
	}
	if err := db.DenyRequest(ctx, "ar_2", oidcT0); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, "DenyRequest(again)", db.DenyRequest(ctx, "ar_2", oidcT0), digitalid.ENOTFOUND)
	cs, err := db.Consents(ctx, cit.ID)
	if err != nil || len(cs) != 1 || cs[0].DeviceID != "d_1" || !cs[0].ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("Consents = %+v, %v", cs, err)
	}
	n, err := db.PurgeOIDC(ctx, oidcT0.Add(11*time.Minute))
	if err != nil || n < 3 {
		t.Fatalf("PurgeOIDC = %d, %v; want the three requests", n, err)
	}
}

func oidcTokens(t *testing.T, db *store.DB) {
	ctx := context.Background()
	mustClient(t, db, "rp_t")
	cit := mustCitizen(t, db, "oidctok")
	r := newRequest("ar_t", "rp_t", oidc.RequestPending)
	if err := db.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	c := oidc.Consent{ID: "cns_t", CitizenID: cit.ID, ClientID: "rp_t", Scopes: []string{"openid"}, CreatedAt: oidcT0, ExpiresAt: oidcT0.Add(time.Hour)}
	r.CitizenID, r.Subject = cit.ID, "sub-t"
	if err := db.ApproveRequest(ctx, r, c, oidcT0); err != nil {
		t.Fatal(err)
	}
	tok := func(id, kind, family, hash string) oidc.Token {
		t := oidc.Token{ID: id, Kind: kind, Family: family, ClientID: "rp_t", CitizenID: cit.ID, ConsentID: "cns_t", RequestID: "ar_t",
			Subject: "sub-t", Scopes: []string{"openid"}, AuthTime: oidcT0, CreatedAt: oidcT0, ExpiresAt: oidcT0.Add(time.Hour)}
		if hash != "" {
			t.Hash = sum(hash)
		}
		return t
	}
	for _, tk := range []oidc.Token{tok("at_1", oidc.KindAccess, "rt_1", ""), tok("rt_1", oidc.KindRefresh, "rt_1", "refresh-1"), tok("at_x", oidc.KindAccess, "at_x", "")} {
		if err := db.CreateToken(ctx, tk); err != nil {
			t.Fatalf("CreateToken(%s) = %v", tk.ID, err)
		}
	}
	got, err := db.Token(ctx, "at_1")
	if err != nil || got.ConsentID != "cns_t" || got.Subject != "sub-t" || !got.ExpiresAt.Equal(oidcT0.Add(time.Hour)) || got.Hash != nil {
		t.Fatalf("Token(at_1) = %+v, %v", got, err)
	}
	rt, err := db.RefreshToken(ctx, sum("refresh-1"))
	if err != nil || rt.ID != "rt_1" || !bytes.Equal(rt.Hash, sum("refresh-1")) {
		t.Fatalf("RefreshToken = %+v, %v", rt, err)
	}
	_, err = db.RefreshToken(ctx, sum("refresh-x"))
	wantErrCode(t, "RefreshToken(unknown)", err, digitalid.ENOTFOUND)
	// Rotation happens once, even when raced.
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if db.RotateRefresh(ctx, "rt_1", tok(fmt.Sprintf("rt_n%d", i), oidc.KindRefresh, "rt_1", fmt.Sprintf("refresh-n%d", i)), oidcT0) == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("RotateRefresh succeeded %d times, want once", ok.Load())
	}
	if rt, _ := db.RefreshToken(ctx, sum("refresh-1")); rt.UsedAt.IsZero() {
		t.Error("the rotated token is not marked used")
	}
	// Revocation filters.
	if n, err := db.RevokeTokens(ctx, oidc.TokenFilter{ID: "at_x"}, oidcT0); err != nil || n != 1 {
		t.Fatalf("RevokeTokens(id) = %d, %v", n, err)
	}
	if n, err := db.RevokeTokens(ctx, oidc.TokenFilter{Family: "rt_1"}, oidcT0); err != nil || n != 3 {
		t.Fatalf("RevokeTokens(family) = %d, %v; want the access, old and new refresh token", n, err)
	}
	if _, err := db.RevokeTokens(ctx, oidc.TokenFilter{}, oidcT0); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Fatalf("RevokeTokens(no filter) = %v", err)
	}
	// Consent revocation revokes its tokens in the same step.
	if err := db.CreateToken(ctx, tok("at_2", oidc.KindAccess, "at_2", "")); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, "RevokeConsent(other citizen)", db.RevokeConsent(ctx, "c_other", "cns_t", oidcT0), digitalid.ENOTFOUND)
	if err := db.RevokeConsent(ctx, cit.ID, "cns_t", oidcT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Token(ctx, "at_2"); got.RevokedAt.IsZero() {
		t.Error("RevokeConsent left its token live")
	}
	if c, _ := db.Consent(ctx, "cns_t"); !c.RevokedAt.Equal(oidcT0.Add(time.Minute)) {
		t.Errorf("consent revoked at %v", c.RevokedAt)
	}
	wantErrCode(t, "RevokeConsent(again)", db.RevokeConsent(ctx, cit.ID, "cns_t", oidcT0), digitalid.ENOTFOUND)
	if n, err := db.RevokeTokens(ctx, oidc.TokenFilter{ClientID: "rp_t", Subject: "sub-t"}, oidcT0); err != nil || n != 0 {
		t.Fatalf("RevokeTokens(client, subject) after all revoked = %d, %v", n, err)
	}
}

func oidcAssertions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	mustClient(t, db, "rp_j")
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if db.UseClientAssertion(ctx, "rp_j", "jti-1", oidcT0.Add(time.Minute)) == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("UseClientAssertion succeeded %d times, want once", ok.Load())
	}
	wantErrCode(t, "UseClientAssertion(replay)", db.UseClientAssertion(ctx, "rp_j", "jti-1", oidcT0.Add(time.Minute)), digitalid.ECONFLICT)
	if err := db.UseClientAssertion(ctx, "rp_j", "jti-2", oidcT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PurgeOIDC(ctx, oidcT0.Add(2*time.Minute)); err != nil || n != 2 {
		t.Fatalf("PurgeOIDC = %d, %v", n, err)
	}
	if err := db.UseClientAssertion(ctx, "rp_j", "jti-1", oidcT0.Add(time.Hour)); err != nil {
		t.Fatalf("after the purge: %v", err)
	}
}
