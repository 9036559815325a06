package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/store"
)

// Recovery exercises every recovery store method on db: the contact limit
// and duplicate numbers, answering and ending relationships (which cancels
// open requests), one open request per citizen, approval codes with their
// attempt limit, approvals taking effect exactly once under concurrency,
// completion ending sessions and starting the cooling-off, and purging.
func Recovery(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := accountT0
	alice := mustCitizen(t, db, "r-alice")
	var contacts []account.CitizenRecord
	for _, n := range []string{"r-bob", "r-carol", "r-dan", "r-erin"} {
		contacts = append(contacts, mustCitizen(t, db, n))
	}
	contact := func(n int, who string) recovery.ContactRecord {
		return recovery.ContactRecord{ID: "t_" + who, CitizenID: alice.ID, ContactID: contacts[n].ID, PhoneKey: []byte("pk-" + who),
			NameSealed: []byte{1, 2, 3}, Status: recovery.StatusPending, InvitedAt: t0, ExpiresAt: t0.Add(recovery.InvitationTTL)}
	}
	for i, who := range []string{"bob", "carol", "dan"} {
		if ok, err := db.InsertTrustedContact(ctx, contact(i, who), 3, t0); err != nil || !ok {
			t.Fatalf("InsertTrustedContact(%s) = %v, %v; want stored", who, ok, err)
		}
	}
	dup := contact(3, "bob2")
	dup.PhoneKey = []byte("pk-bob")
	_, err := db.InsertTrustedContact(ctx, dup, 4, t0)
	wantErrCode(t, "InsertTrustedContact(same number)", err, digitalid.ECONFLICT)
	if ok, err := db.InsertTrustedContact(ctx, contact(3, "erin"), 3, t0); err != nil || ok {
		t.Errorf("InsertTrustedContact(fourth) = %v, %v; want not stored", ok, err)
	}
	inert := contact(3, "inert")
	inert.ContactID = ""
	if ok, err := db.InsertTrustedContact(ctx, inert, 5, t0); err != nil || !ok {
		t.Fatalf("InsertTrustedContact(inert) = %v, %v", ok, err)
	}
	got, err := db.TrustedContact(ctx, "t_inert")
	if err != nil || got.ContactID != "" || !got.ExpiresAt.Equal(inert.ExpiresAt) || string(got.PhoneKey) != "pk-inert" {
		t.Errorf("TrustedContact(inert) = %+v, %v", got, err)
	}
	_, err = db.TrustedContact(ctx, "t_nobody")
	wantErrCode(t, "TrustedContact(unknown)", err, digitalid.ENOTFOUND)

	// Answers: only the invited contact, only while pending and unexpired.
	wantErrCode(t, "AnswerTrustedContact(wrong contact)",
		db.AnswerTrustedContact(ctx, "t_bob", contacts[1].ID, recovery.StatusActive, t0), digitalid.ENOTFOUND)
	wantErrCode(t, "AnswerTrustedContact(expired)",
		db.AnswerTrustedContact(ctx, "t_bob", contacts[0].ID, recovery.StatusActive, t0.Add(recovery.InvitationTTL)), digitalid.ENOTFOUND)
	for _, x := range []struct {
		id   string
		n    int
		to   recovery.ContactStatus
		what string
	}{{"t_bob", 0, recovery.StatusActive, "accept bob"}, {"t_carol", 1, recovery.StatusActive, "accept carol"}, {"t_dan", 2, recovery.StatusDeclined, "decline dan"}} {
		if err := db.AnswerTrustedContact(ctx, x.id, contacts[x.n].ID, x.to, t0.Add(time.Minute)); err != nil {
			t.Fatalf("AnswerTrustedContact(%s) = %v", x.what, err)
		}
	}
	wantErrCode(t, "AnswerTrustedContact(again)",
		db.AnswerTrustedContact(ctx, "t_bob", contacts[0].ID, recovery.StatusDeclined, t0), digitalid.ENOTFOUND)
	list, err := db.TrustedContactsOf(ctx, alice.ID)
	if err != nil || len(list) != 4 {
		t.Fatalf("TrustedContactsOf(alice) = %d, %v; want 4", len(list), err)
	}
	bobs, err := db.TrustedContactsFor(ctx, contacts[0].ID)
	if err != nil || len(bobs) != 1 || bobs[0].Status != recovery.StatusActive || bobs[0].AcceptedAt.IsZero() {
		t.Fatalf("TrustedContactsFor(bob) = %+v, %v", bobs, err)
	}

	// One open request at a time; an expired one does not block.
	req := func(id string, at time.Time) recovery.RequestRecord {
		return recovery.RequestRecord{ID: id, CitizenID: alice.ID, HandleHash: []byte("h-" + id), Reason: recovery.ReasonPIN,
			OriginSealed: []byte{9}, Status: recovery.RequestOpen, CreatedAt: at, ExpiresAt: at.Add(recovery.RequestTTL)}
	}
	if err := db.CreateRecoveryRequest(ctx, req("r_1", t0), t0); err != nil {
		t.Fatalf("CreateRecoveryRequest(r_1) = %v", err)
	}
	wantErrCode(t, "CreateRecoveryRequest(second open)", db.CreateRecoveryRequest(ctx, req("r_2", t0), t0), digitalid.ECONFLICT)
	t1 := t0.Add(recovery.RequestTTL + time.Minute)
	if err := db.CreateRecoveryRequest(ctx, req("r_2", t1), t1); err != nil {
		t.Fatalf("CreateRecoveryRequest(after expiry) = %v", err)
	}
	if r, err := db.RecoveryRequest(ctx, "r_1"); err != nil || r.Status != "expired" {
		t.Errorf("RecoveryRequest(r_1) = %+v, %v; want expired", r, err)
	}
	if r, err := db.RecoveryRequestByHandle(ctx, []byte("h-r_2")); err != nil || r.ID != "r_2" || !r.CreatedAt.Equal(t1) {
		t.Errorf("RecoveryRequestByHandle(r_2) = %+v, %v", r, err)
	}
	_, err = db.RecoveryRequestByHandle(ctx, []byte("nope"))
	wantErrCode(t, "RecoveryRequestByHandle(unknown)", err, digitalid.ENOTFOUND)
	if r, err := db.OpenRecoveryRequest(ctx, alice.ID, t1); err != nil || r.ID != "r_2" {
		t.Errorf("OpenRecoveryRequest(alice) = %+v, %v; want r_2", r, err)
	}
	_, err = db.OpenRecoveryRequest(ctx, alice.ID, t1.Add(recovery.RequestTTL))
	wantErrCode(t, "OpenRecoveryRequest(after expiry)", err, digitalid.ENOTFOUND)
	pending, err := db.PendingRecoveryApprovals(ctx, contacts[0].ID, t1)
	if err != nil || len(pending) != 1 || pending[0].Request.ID != "r_2" || pending[0].RelationshipID != "t_bob" {
		t.Fatalf("PendingRecoveryApprovals(bob) = %+v, %v", pending, err)
	}
	if p, _ := db.PendingRecoveryApprovals(ctx, contacts[2].ID, t1); len(p) != 0 {
		t.Errorf("PendingRecoveryApprovals(dan, declined) = %+v; want none", p)
	}

	// Codes: sent at most maxSent times, attempts counted up to the limit.
	code := func(rel string, hash string) recovery.CodeRecord {
		return recovery.CodeRecord{RequestID: "r_2", ContactID: rel, CodeHash: []byte(hash), CreatedAt: t1, ExpiresAt: t1.Add(recovery.CodeTTL)}
	}
	for i := 0; i < 2; i++ {
		if ok, err := db.PutRecoveryCode(ctx, code("t_bob", "first"), 2); err != nil || !ok {
			t.Fatalf("PutRecoveryCode(%d) = %v, %v", i, ok, err)
		}
	}
	if ok, err := db.PutRecoveryCode(ctx, code("t_bob", "third"), 2); err != nil || ok {
		t.Errorf("PutRecoveryCode(over max) = %v, %v; want not stored", ok, err)
	}
	for i := 1; i <= 3; i++ {
		rec, err := db.ReserveRecoveryCodeAttempt(ctx, "r_2", "t_bob", t1, 3)
		if err != nil || rec.Failures != i || string(rec.CodeHash) != "first" || rec.Sent != 2 {
			t.Fatalf("ReserveRecoveryCodeAttempt(%d) = %+v, %v", i, rec, err)
		}
	}
	_, err = db.ReserveRecoveryCodeAttempt(ctx, "r_2", "t_bob", t1, 3)
	wantErrCode(t, "ReserveRecoveryCodeAttempt(over limit)", err, digitalid.ENOTFOUND)
	_, err = db.ReserveRecoveryCodeAttempt(ctx, "r_2", "t_bob", t1.Add(recovery.CodeTTL), 10)
	wantErrCode(t, "ReserveRecoveryCodeAttempt(expired)", err, digitalid.ENOTFOUND)

	// Concurrent approvals by two contacts: exactly one wins.
	for _, rel := range []string{"t_bob", "t_carol"} {
		if ok, err := db.PutRecoveryCode(ctx, code(rel, "c"), 5); err != nil || !ok {
			t.Fatalf("PutRecoveryCode(%s) = %v, %v", rel, ok, err)
		}
	}
	var wins, losses atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(rel string) {
			defer wg.Done()
			err := db.ApproveRecoveryRequest(ctx, "r_2", rel, t1)
			switch digitalid.ErrorCode(err) {
			case "":
				wins.Add(1)
			case digitalid.ENOTFOUND:
				losses.Add(1)
			default:
				t.Errorf("ApproveRecoveryRequest(%s) = %v", rel, err)
			}
		}([]string{"t_bob", "t_carol"}[i%2])
	}
	wg.Wait()
	if wins.Load() != 1 || losses.Load() != 7 {
		t.Fatalf("concurrent approvals: %d won, %d lost; want 1 and 7", wins.Load(), losses.Load())
	}
	r2, _ := db.RecoveryRequest(ctx, "r_2")
	if r2.Status != recovery.RequestApproved || r2.DecidedBy == "" {
		t.Fatalf("after approval: %+v", r2)
	}

	// Completion: once, ends sessions, sets the cooling-off.
	dev := account.DeviceRecord{ID: "d_ra", CitizenID: alice.ID, TokenHash: []byte("rdev"), NameSealed: []byte{1}, CreatedAt: t0, LastSeenAt: t0}
	if err := db.CreateDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	sess := account.Session{ID: "s_ra", CitizenID: alice.ID, DeviceID: dev.ID, CreatedAt: t0, ExpiresAt: t1.Add(time.Hour), LastSeenAt: t0, ReauthAt: t0}
	if err := db.CreateSession(ctx, sess, []byte("rsess")); err != nil {
		t.Fatal(err)
	}
	if u, err := db.CoolingOffUntil(ctx, alice.ID); err != nil || !u.IsZero() {
		t.Errorf("CoolingOffUntil(before) = %v, %v; want zero", u, err)
	}
	until := t1.Add(recovery.CoolingOffPeriod)
	// The forgotten PIN, locked by wrong guesses: completion replaces it
	// and clears the count, in the same transaction.
	if err := db.SetPIN(ctx, account.PINRecord{CitizenID: alice.ID, Hash: "old", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateCounter(ctx, alice.ID, account.FactorPIN, func(c *account.Counter) error {
		c.Failures, c.LockedUntil = 5, t1.Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	newPIN := account.PINRecord{CitizenID: alice.ID, Hash: "new", UpdatedAt: t1}
	wantErrCode(t, "CompleteRecoveryRequest(another citizen's PIN)",
		db.CompleteRecoveryRequest(ctx, "r_2", "otp", "recovered", t1, until, account.PINRecord{CitizenID: "c_other", Hash: "x", UpdatedAt: t1}), digitalid.EINVALID)
	if r, _ := db.RecoveryRequest(ctx, "r_2"); r.Status != recovery.RequestApproved {
		t.Fatalf("a refused completion changed the request: %+v", r)
	}
	var done atomic.Int32
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.CompleteRecoveryRequest(ctx, "r_2", "otp", "recovered", t1, until, newPIN); err == nil {
				done.Add(1)
			} else if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
				t.Errorf("CompleteRecoveryRequest = %v", err)
			}
		}()
	}
	wg.Wait()
	if done.Load() != 1 {
		t.Errorf("concurrent completions: %d succeeded, want 1", done.Load())
	}
	if u, err := db.CoolingOffUntil(ctx, alice.ID); err != nil || !u.Equal(until) {
		t.Errorf("CoolingOffUntil = %v, %v; want %v", u, err, until)
	}
	if p, err := db.PIN(ctx, alice.ID); err != nil || p.Hash != "new" || !p.UpdatedAt.Equal(t1) {
		t.Errorf("PIN after recovery = %+v, %v; want the new one", p, err)
	}
	if c, err := db.Counter(ctx, alice.ID, account.FactorPIN); err != nil || c.Failures != 0 || !c.LockedUntil.IsZero() {
		t.Errorf("PIN counter after recovery = %+v, %v; want cleared", c, err)
	}
	if v, err := db.SessionByTokenHash(ctx, []byte("rsess")); err != nil || v.Session.EndReason != "recovered" {
		t.Errorf("session after recovery = %+v, %v; want ended (recovered)", v.Session, err)
	}
	wantErrCode(t, "CancelRecoveryRequest(completed)", db.CancelRecoveryRequest(ctx, "r_2", t1), digitalid.ENOTFOUND)

	// Ending a relationship cancels the open request; reject needs an
	// active relationship.
	t2 := t1.Add(time.Hour)
	if err := db.CreateRecoveryRequest(ctx, req("r_3", t2), t2); err != nil {
		t.Fatalf("CreateRecoveryRequest(r_3) = %v", err)
	}
	cancelled, err := db.EndTrustedContact(ctx, "t_carol", recovery.EndedByContact, t2)
	if err != nil || len(cancelled) != 1 || cancelled[0] != "r_3" {
		t.Fatalf("EndTrustedContact(carol) = %v, %v; want [r_3]", cancelled, err)
	}
	_, err = db.EndTrustedContact(ctx, "t_carol", recovery.EndedByContact, t2)
	wantErrCode(t, "EndTrustedContact(again)", err, digitalid.ENOTFOUND)
	if err := db.CreateRecoveryRequest(ctx, req("r_4", t2), t2); err != nil {
		t.Fatalf("CreateRecoveryRequest(r_4) = %v", err)
	}
	wantErrCode(t, "RejectRecoveryRequest(ended contact)", db.RejectRecoveryRequest(ctx, "r_4", "t_carol", t2), digitalid.ENOTFOUND)
	if err := db.RejectRecoveryRequest(ctx, "r_4", "t_bob", t2); err != nil {
		t.Errorf("RejectRecoveryRequest(bob) = %v", err)
	}
	if ok, _ := db.PutRecoveryCode(ctx, recovery.CodeRecord{RequestID: "r_4", ContactID: "t_bob", CodeHash: []byte("x"), CreatedAt: t2, ExpiresAt: t2.Add(time.Hour)}, 3); !ok {
		t.Fatal("PutRecoveryCode(r_4) not stored")
	}
	wantErrCode(t, "ApproveRecoveryRequest(rejected)", db.ApproveRecoveryRequest(ctx, "r_4", "t_bob", t2), digitalid.ENOTFOUND)

	// Purge removes what ended long ago, keeping the rest.
	n, err := db.PurgeRecovery(ctx, t2.Add(30*24*time.Hour))
	if err != nil || n == 0 {
		t.Errorf("PurgeRecovery = %d, %v; want rows deleted", n, err)
	}
	if _, err := db.TrustedContact(ctx, "t_bob"); err != nil {
		t.Errorf("TrustedContact(bob, active) after purge = %v", err)
	}
	_, err = db.TrustedContact(ctx, "t_carol")
	wantErrCode(t, "TrustedContact(carol, ended) after purge", err, digitalid.ENOTFOUND)
}
