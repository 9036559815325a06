package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/sms"
)

// TestDocumentNotificationsWired: in the wired app an issuer's push, change
// and revocation of a citizen's document land in the citizen's inbox, the
// revocation also by SMS; `digitalid import` adds notes only with --notify.
func TestDocumentNotificationsWired(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testApp(t, nil, "--data-dir", dir)
	const to = "+79161234588"
	c, err := a.accounts.Citizens.Create(ctx, to, "en")
	if err != nil {
		t.Fatal(err)
	}
	key := issuertest.NewKey(t, "mvd-1")
	iss, err := a.issuers.Add(ctx, "op", issuer.Issuer{ID: "mvd", Name: "MVD", AllowedTypes: []string{"passport_ru"}, PublicKeys: key.JWKS()})
	if err != nil {
		t.Fatal(err)
	}
	passport, err := os.ReadFile("../../vault/testdata/valid/passport_ru.json")
	if err != nil {
		t.Fatal(err)
	}
	push := func(idem string, fields []byte) {
		t.Helper()
		if _, err := a.issuers.Push(ctx, iss, issuer.Push{Ref: "P-1", Citizen: issuer.CitizenRef{Phone: to}, Type: "passport_ru",
			Document: key.Sign(t, fields), IdempotencyKey: idem}); err != nil {
			t.Fatalf("Push(%s) = %v", idem, err)
		}
	}
	kinds := func() []account.Kind {
		t.Helper()
		list, err := a.accounts.Notifications.List(ctx, c.ID, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []account.Kind
		for _, n := range list {
			if strings.HasPrefix(string(n.Kind), "document_") {
				out = append(out, n.Kind)
			}
		}
		return out
	}
	push("k1", passport)
	push("k2", bytes.Replace(passport, []byte("ОВД района"), []byte("УФМС района"), 1))
	if _, err := a.issuers.Revoke(ctx, iss, "P-1"); err != nil {
		t.Fatal(err)
	}
	got := kinds()
	if len(got) != 3 || got[0] != account.KindDocumentRevoked || got[1] != account.KindDocumentChanged || got[2] != account.KindDocumentAdded {
		t.Errorf("inbox document notes (newest first) = %v, want revoked, changed, added", got)
	}
	msgs, err := a.outbox.List(ctx, sms.ListOptions{To: to, Limit: 10})
	if err != nil || len(msgs) != 1 || msgs[0].Purpose != "notice_document_revoked" {
		t.Errorf("SMS to the citizen = %+v, %v; want only the revocation notice", msgs, err)
	}

	line := func(ref string) string {
		b, _ := json.Marshal(map[string]any{"ref": ref, "citizen": map[string]string{"phone": to}, "type": "passport_ru",
			"document": key.Sign(t, passport), "idempotency_key": "idem-" + ref})
		return string(b) + "\n"
	}
	run := func(stdin string, args ...string) int {
		var out, errb bytes.Buffer
		return runImport(ctx, env{strings.NewReader(stdin), &out, &errb, func(string) string { return "" }}, args)
	}
	if code := run(line("M-1"), "-", "--data-dir", dir, "--issuer", "mvd"); code != 0 {
		t.Fatalf("import = %d", code)
	}
	if n := len(kinds()); n != 3 {
		t.Errorf("document notes after a quiet import = %d, want still 3", n)
	}
	if code := run(line("M-2"), "-", "--data-dir", dir, "--issuer", "mvd", "--notify"); code != 0 {
		t.Fatalf("import --notify = %d", code)
	}
	if got := kinds(); len(got) != 4 || got[0] != account.KindDocumentAdded {
		t.Errorf("document notes after import --notify = %v, want a new document_added", got)
	}
}
