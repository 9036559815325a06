package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
)

// TestPurgeShredsDeletedAccounts checks that serve's purge wires the
// account purge to the vault: an account deleted beyond the restore window
// has its data key shredded (the vault audits it) and its rows removed.
func TestPurgeShredsDeletedAccounts(t *testing.T) {
	a := testApp(t, nil, "--data-dir", filepath.Join(t.TempDir(), "data"))
	ctx := context.Background()
	old, err := a.accounts.Citizens.Create(ctx, "+77015550991", "en")
	if err != nil {
		t.Fatalf("Citizens.Create = %v", err)
	}
	recent, err := a.accounts.Citizens.Create(ctx, "+77015550992", "en")
	if err != nil {
		t.Fatalf("Citizens.Create = %v", err)
	}
	if err := a.db.DeleteCitizen(ctx, old.ID, time.Now().Add(-account.RestoreWindow-time.Hour)); err != nil {
		t.Fatalf("DeleteCitizen(old) = %v", err)
	}
	if err := a.db.DeleteCitizen(ctx, recent.ID, time.Now().Add(-time.Hour)); err != nil {
		t.Fatalf("DeleteCitizen(recent) = %v", err)
	}
	if _, err := a.purge(ctx); err != nil {
		t.Fatalf("purge = %v", err)
	}
	if _, err := a.accounts.Citizens.Get(ctx, old.ID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("Citizens.Get(purged) = %v, want ENOTFOUND", err)
	}
	if _, err := a.accounts.Citizens.Get(ctx, recent.ID); err != nil {
		t.Errorf("Citizens.Get(within window) = %v, want it kept", err)
	}
	evs, err := a.audit.List(ctx, old.ID, audit.ListOptions{Limit: audit.MaxListLimit})
	if err != nil {
		t.Fatalf("audit.List = %v", err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if !slices.Contains(actions, "documents.shredded") || !slices.Contains(actions, "account.purged") {
		t.Errorf("audit of the purged citizen = %v, want documents.shredded and account.purged", actions)
	}
}
