package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
)

// TestAdminReview lists the review queue, approves one failed video check
// (the citizen goes to high) and rejects another, through `digitalid admin
// review` over one data directory.
func TestAdminReview(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testApp(t, nil, "--data-dir", dir)
	var ids []string
	for i, phone := range []string{"+79161234501", "+79161234502"} {
		c, err := a.accounts.Citizens.Create(ctx, phone, "ru")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.accounts.Citizens.SetAssurance(ctx, c.ID, account.AssuranceStandard); err != nil {
			t.Fatal(err)
		}
		r := account.Review{ID: account.NewID("rv_"), CitizenID: c.ID, Purpose: account.PurposeVideo, Reason: "no_liveness",
			Score: 0.2, Status: account.ReviewOpen, CreatedAt: time.Date(2026, 11, 1, 10, i, 0, 0, time.UTC)}
		if err := a.db.AddProofingReview(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runAdmin(ctx, env{strings.NewReader(""), &out, &errb, func(string) string { return "" }}, append([]string{"review"}, args...))
		return code, out.String(), errb.String()
	}
	code, out, errs := run("list", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, ids[0]) || !strings.Contains(out, ids[1]) || !strings.Contains(out, "no_liveness") || strings.Contains(out, "+7916") {
		t.Fatalf("admin review list = %d %q %q, want both reviews, no phone numbers", code, out, errs)
	}
	if code, out, errs := run("approve", "--data-dir", dir, "--id", ids[0], "--operator", "alice"); code != 0 || !strings.Contains(out, "approved; citizen") || !strings.Contains(out, "raised to high") {
		t.Fatalf("admin review approve = %d %q %q", code, out, errs)
	}
	if code, out, errs := run("reject", "--data-dir", dir, "--id", ids[1]); code != 0 || !strings.Contains(out, "rejected") {
		t.Fatalf("admin review reject = %d %q %q", code, out, errs)
	}
	if code, _, errs := run("reject", "--data-dir", dir, "--id", ids[0]); code != 1 || !strings.Contains(errs, "already decided") {
		t.Errorf("admin review reject (decided) = %d %q, want 1, already decided", code, errs)
	}
	if code, _, _ := run("approve", "--data-dir", dir); code != 2 {
		t.Errorf("admin review approve without --id = %d, want 2", code)
	}
	if code, _, _ := run("delete", "--data-dir", dir); code != 2 {
		t.Errorf("admin review delete = %d, want 2", code)
	}
	if code, out, _ := run("list", "--data-dir", dir); code != 0 || strings.Contains(out, "rv_") {
		t.Errorf("admin review list after decisions = %d %q, want an empty queue", code, out)
	}
}
