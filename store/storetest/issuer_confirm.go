package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/store"
)

// Confirmations exercises the issuer.ConfirmStore methods on db: one
// pending request per citizen and type, the queue by type of active
// citizens oldest first, counting, and the conditional update that lets
// exactly one of concurrent decisions win.
func Confirmations(t *testing.T, db *store.DB) {
	t.Run("create", func(t *testing.T) { confirmCreateOn(t, db) })
	t.Run("pending", func(t *testing.T) { confirmPendingOn(t, db) })
	t.Run("decide", func(t *testing.T) { confirmDecideOn(t, db) })
	t.Run("reclaim", func(t *testing.T) { confirmReclaimOn(t, db) })
	t.Run("limit", func(t *testing.T) { confirmLimitOn(t, db) })
}

// confirmT0 is the time the requests are made around.
var confirmT0 = time.Date(2026, 11, 23, 9, 0, 0, 123456000, time.UTC)

func confirmRequest(citizen, id, typ string, at time.Time) issuer.Confirmation {
	return issuer.Confirmation{ID: id, CitizenID: citizen, DocumentID: "doc-" + id, Type: typ,
		Status: issuer.ConfirmPending, CreatedAt: at}
}

func mustRequest(t *testing.T, db *store.DB, c issuer.Confirmation) {
	t.Helper()
	if err := db.CreateConfirmation(context.Background(), c, 100, time.Time{}); err != nil {
		t.Fatalf("CreateConfirmation(%s) = %v", c.ID, err)
	}
}

func confirmCreateOn(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "cf-create")
	first := confirmRequest(c.ID, "cf_1", "passport_ru", confirmT0)
	mustRequest(t, db, first)
	wantErrCode(t, "CreateConfirmation(second pending passport_ru)",
		db.CreateConfirmation(ctx, confirmRequest(c.ID, "cf_2", "passport_ru", confirmT0.Add(time.Minute)), 100, time.Time{}), digitalid.ECONFLICT)
	mustRequest(t, db, confirmRequest(c.ID, "cf_3", "passport_international", confirmT0.Add(time.Minute)))
	wantErrCode(t, "CreateConfirmation(same id)",
		db.CreateConfirmation(ctx, confirmRequest(c.ID, "cf_1", "passport_international", confirmT0), 100, time.Time{}), digitalid.ECONFLICT)
	wantErrCode(t, "CreateConfirmation(unknown citizen)",
		db.CreateConfirmation(ctx, confirmRequest("c_nobody", "cf_4", "passport_ru", confirmT0), 100, time.Time{}), digitalid.ENOTFOUND)

	got, err := db.Confirmation(ctx, "cf_1")
	if err != nil || got.CitizenID != c.ID || got.DocumentID != "doc-cf_1" || got.Type != "passport_ru" ||
		got.Status != issuer.ConfirmPending || !got.CreatedAt.Equal(confirmT0) || !got.DecidedAt.IsZero() || got.DecidedBy != "" {
		t.Errorf("Confirmation(cf_1) = %+v, %v; want as created", got, err)
	}
	_, err = db.Confirmation(ctx, "cf_none")
	wantErrCode(t, "Confirmation(unknown)", err, digitalid.ENOTFOUND)

	// Once the first is decided, a new pending request of the type is allowed.
	first.Status, first.DecidedBy, first.Reason, first.DecidedAt = issuer.ConfirmRejected, "mvd", issuer.ReasonNotFound, confirmT0.Add(time.Hour)
	if err := db.UpdateConfirmation(ctx, first, issuer.ConfirmPending); err != nil {
		t.Fatalf("UpdateConfirmation(reject) = %v", err)
	}
	again := confirmRequest(c.ID, "cf_5", "passport_ru", confirmT0.Add(2*time.Hour))
	again.DocumentID = first.DocumentID
	mustRequest(t, db, again)
	if got, err := db.DocumentConfirmation(ctx, c.ID, first.DocumentID); err != nil || got.ID != "cf_5" {
		t.Errorf("DocumentConfirmation = %+v, %v; want the latest, cf_5", got, err)
	}
	_, err = db.DocumentConfirmation(ctx, "c_other", first.DocumentID)
	wantErrCode(t, "DocumentConfirmation(another citizen)", err, digitalid.ENOTFOUND)
	for _, tc := range []struct {
		since time.Time
		want  int
	}{{confirmT0, 3}, {confirmT0.Add(time.Second), 2}, {confirmT0.Add(3 * time.Hour), 0}} {
		if n, err := db.CountConfirmations(ctx, c.ID, tc.since); err != nil || n != tc.want {
			t.Errorf("CountConfirmations(since %v) = %d, %v; want %d", tc.since, n, err, tc.want)
		}
	}
	// Withdraw the rest, leaving the queue to the next case.
	for _, id := range []string{"cf_3", "cf_5"} {
		c, err := db.Confirmation(ctx, id)
		c.Status, c.DecidedAt = issuer.ConfirmCancelled, confirmT0.Add(3*time.Hour)
		if err == nil {
			err = db.UpdateConfirmation(ctx, c, issuer.ConfirmPending)
		}
		if err != nil {
			t.Fatalf("cancel %s: %v", id, err)
		}
	}
}

func confirmPendingOn(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b, gone := mustCitizen(t, db, "cf-pa"), mustCitizen(t, db, "cf-pb"), mustCitizen(t, db, "cf-pgone")
	mustRequest(t, db, confirmRequest(b.ID, "cf_p2", "passport_ru", confirmT0.Add(2*time.Minute)))
	mustRequest(t, db, confirmRequest(a.ID, "cf_p1", "passport_ru", confirmT0.Add(time.Minute)))
	mustRequest(t, db, confirmRequest(a.ID, "cf_p3", "passport_international", confirmT0.Add(3*time.Minute)))
	mustRequest(t, db, confirmRequest(gone.ID, "cf_p4", "passport_ru", confirmT0))
	if err := db.DeleteCitizen(ctx, gone.ID, confirmT0.Add(time.Hour)); err != nil {
		t.Fatalf("DeleteCitizen = %v", err)
	}
	ids := func(l []issuer.Confirmation) string {
		s := ""
		for _, c := range l {
			s += c.ID + " "
		}
		return s
	}
	for _, tc := range []struct {
		types []string
		limit int
		want  string
	}{
		{[]string{"passport_ru"}, 10, "cf_p1 cf_p2 "},
		{[]string{"passport_international"}, 10, "cf_p3 "},
		{[]string{"passport_ru", "passport_international"}, 10, "cf_p1 cf_p2 cf_p3 "},
		{[]string{"passport_ru", "passport_international"}, 2, "cf_p1 cf_p2 "},
		{[]string{"snils"}, 10, ""},
		{nil, 10, ""},
	} {
		l, err := db.PendingConfirmations(ctx, tc.types, tc.limit)
		if err != nil || ids(l) != tc.want {
			t.Errorf("PendingConfirmations(%v, %d) = %q, %v; want %q", tc.types, tc.limit, ids(l), err, tc.want)
		}
	}
	c := confirmRequest(a.ID, "cf_p1", "passport_ru", confirmT0.Add(time.Minute))
	c.Status, c.DecidedAt = issuer.ConfirmCancelled, confirmT0.Add(time.Hour)
	if err := db.UpdateConfirmation(ctx, c, issuer.ConfirmPending); err != nil {
		t.Fatalf("UpdateConfirmation(cancel) = %v", err)
	}
	if l, err := db.PendingConfirmations(ctx, []string{"passport_ru"}, 10); err != nil || ids(l) != "cf_p2 " {
		t.Errorf("PendingConfirmations after a cancel = %q, %v; want cf_p2", ids(l), err)
	}
}

func confirmDecideOn(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "cf-decide")
	req := confirmRequest(c.ID, "cf_d1", "passport_ru", confirmT0)
	mustRequest(t, db, req)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := req
			d.Status, d.DecidedBy, d.DecidedAt = issuer.ConfirmConfirmed, fmt.Sprintf("iss%d", i), confirmT0.Add(time.Hour)
			if i%2 == 1 {
				d.Status, d.Reason = issuer.ConfirmRejected, issuer.ReasonMismatch
			}
			errs[i] = db.UpdateConfirmation(ctx, d, issuer.ConfirmPending)
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("UpdateConfirmation: decisions %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case digitalid.ErrorCode(err) != digitalid.ECONFLICT:
			t.Errorf("UpdateConfirmation(decision %d) = %v; want nil or ECONFLICT", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("UpdateConfirmation: no decision won")
	}
	got, err := db.Confirmation(ctx, req.ID)
	if err != nil || got.DecidedBy != fmt.Sprintf("iss%d", winner) || got.Status == issuer.ConfirmPending || !got.DecidedAt.Equal(confirmT0.Add(time.Hour)) {
		t.Errorf("Confirmation after the race = %+v, %v; want decided by iss%d", got, err, winner)
	}
	// The winner may go on from its own state (a confirmation records its
	// document), nobody from pending.
	next := got
	next.IssuerDocumentID = "vault-doc-1"
	if err := db.UpdateConfirmation(ctx, next, got.Status); err != nil {
		t.Errorf("UpdateConfirmation(from %s) = %v", got.Status, err)
	}
	if got, _ := db.Confirmation(ctx, req.ID); got.IssuerDocumentID != "vault-doc-1" {
		t.Errorf("IssuerDocumentID = %q, want vault-doc-1", got.IssuerDocumentID)
	}
	wantErrCode(t, "UpdateConfirmation(from pending, decided)", db.UpdateConfirmation(ctx, next, issuer.ConfirmPending), digitalid.ECONFLICT)
	unknown := req
	unknown.ID = "cf_none"
	wantErrCode(t, "UpdateConfirmation(unknown)", db.UpdateConfirmation(ctx, unknown, issuer.ConfirmPending), digitalid.ENOTFOUND)
}

// confirmReclaimOn: a stale unfinished claim is taken over by exactly one of
// its issuer's concurrent retries; a live claim, another issuer's, or a
// finished one is not.
func confirmReclaimOn(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "cf-reclaim")
	req := confirmRequest(c.ID, "cf_r1", "passport_ru", confirmT0)
	mustRequest(t, db, req)
	claimed := req
	claimed.Status, claimed.DecidedBy, claimed.DecidedAt = issuer.ConfirmConfirmed, "iss1", confirmT0.Add(time.Minute)
	if err := db.UpdateConfirmation(ctx, claimed, issuer.ConfirmPending); err != nil {
		t.Fatal(err)
	}
	at := confirmT0.Add(time.Hour)
	if err := db.ReclaimConfirmation(ctx, req.ID, "iss1", claimed.DecidedAt, at); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
		t.Errorf("ReclaimConfirmation(claim not stale) = %v; want ECONFLICT", err)
	}
	if err := db.ReclaimConfirmation(ctx, req.ID, "iss2", at, at); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
		t.Errorf("ReclaimConfirmation(another issuer) = %v; want ECONFLICT", err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.ReclaimConfirmation(ctx, req.ID, "iss1", at.Add(-time.Minute), at.Add(time.Duration(i)*time.Second))
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case digitalid.ErrorCode(err) != digitalid.ECONFLICT:
			t.Errorf("ReclaimConfirmation(retry %d) = %v; want nil or ECONFLICT", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d retries took the claim over, want exactly 1", won)
	}
	got, err := db.Confirmation(ctx, req.ID)
	if err != nil || got.Status != issuer.ConfirmConfirmed || got.DecidedBy != "iss1" || got.DecidedAt.Before(at) {
		t.Errorf("after the takeover: %+v, %v", got, err)
	}
	// The stale claim's instance wakes up: it can neither record its
	// document nor give the request back over the takeover.
	stale := claimed
	stale.IssuerDocumentID = "doc_stale"
	wantErrCode(t, "SettleClaim(record, stale claim)", db.SettleClaim(ctx, stale, claimed), digitalid.ECONFLICT)
	wantErrCode(t, "SettleClaim(give back, stale claim)", db.SettleClaim(ctx, req, claimed), digitalid.ECONFLICT)
	finished := got
	finished.IssuerDocumentID = "doc_1"
	if err := db.SettleClaim(ctx, finished, got); err != nil {
		t.Fatalf("SettleClaim(the live claim) = %v", err)
	}
	wantErrCode(t, "SettleClaim(finished)", db.SettleClaim(ctx, req, got), digitalid.ECONFLICT)
	if again, err := db.Confirmation(ctx, req.ID); err != nil || again.IssuerDocumentID != "doc_1" || again.Status != issuer.ConfirmConfirmed {
		t.Errorf("after the settled claim: %+v, %v; want confirmed with doc_1", again, err)
	}
	if err := db.ReclaimConfirmation(ctx, req.ID, "iss1", at.Add(time.Hour), at.Add(time.Hour)); digitalid.ErrorCode(err) != digitalid.ECONFLICT {
		t.Errorf("ReclaimConfirmation(finished) = %v; want ECONFLICT", err)
	}
}

// confirmLimitOn: of concurrent requests (of different types, so that the
// pending index does not decide), exactly max are stored, on any number of
// connections; requests before since do not count.
func confirmLimitOn(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := mustCitizen(t, db, "cf-limit")
	mustRequest(t, db, confirmRequest(c.ID, "cf_l_old", "old", confirmT0.Add(-48*time.Hour)))
	const n, limit = 8, 3
	since := confirmT0.Add(-24 * time.Hour)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = db.CreateConfirmation(ctx, confirmRequest(c.ID, fmt.Sprintf("cf_l%d", i), fmt.Sprintf("type%d", i), confirmT0), limit, since)
		})
	}
	wg.Wait()
	stored := 0
	for i, err := range errs {
		switch {
		case err == nil:
			stored++
		case digitalid.ErrorCode(err) != digitalid.ERATELIMITED:
			t.Errorf("CreateConfirmation(%d) = %v; want nil or ERATELIMITED", i, err)
		}
	}
	if got, err := db.CountConfirmations(ctx, c.ID, since); stored != limit || err != nil || got != limit {
		t.Fatalf("%d requests stored (counted %d, %v) of %d concurrent, want exactly %d", stored, got, err, n, limit)
	}
}
