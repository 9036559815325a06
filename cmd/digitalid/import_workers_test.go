package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
)

// TestImportWorkersKeepCitizenOrder: with several workers, the lines of
// one citizen are pushed in file order: each passport's later version (a
// changed issuing office) is the one kept, for every citizen.
func TestImportWorkersKeepCitizenOrder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testApp(t, nil, "--data-dir", dir)
	key := issuertest.NewKey(t, "mvd-1")
	if _, err := a.issuers.Add(ctx, "op", issuer.Issuer{ID: "mvd", Name: "MVD", AllowedTypes: []string{"passport_ru"}, PublicKeys: key.JWKS()}); err != nil {
		t.Fatal(err)
	}
	v1, err := os.ReadFile("../../vault/testdata/valid/passport_ru.json")
	if err != nil {
		t.Fatal(err)
	}
	v2 := bytes.Replace(v1, []byte("ОВД района"), []byte("УФМС района"), 1)
	const citizens = 12
	ids := map[string]string{}
	var lines []string
	for c := range citizens {
		phone := fmt.Sprintf("+7916123%04d", c)
		cz, err := a.accounts.Citizens.Create(ctx, phone, "ru")
		if err != nil {
			t.Fatal(err)
		}
		ids[phone] = cz.ID
	}
	for v, fields := range [][]byte{v1, v2} {
		for c := range citizens {
			phone := fmt.Sprintf("+7916123%04d", c)
			b, _ := json.Marshal(importLine{Ref: fmt.Sprintf("P-%d", c), Citizen: issuer.CitizenRef{Phone: phone}, Type: "passport_ru",
				Document: key.Sign(t, fields), IdempotencyKey: fmt.Sprintf("k-%d-%d", c, v)})
			lines = append(lines, string(b))
		}
	}
	var out, errb bytes.Buffer
	code := runImport(ctx, env{strings.NewReader(strings.Join(lines, "\n")), &out, &errb, func(string) string { return "" }},
		[]string{"-", "--data-dir", dir, "--issuer", "mvd", "--workers", "4"})
	if code != 0 || !strings.Contains(out.String(), fmt.Sprintf("%d lines: %d accepted", 2*citizens, 2*citizens)) {
		t.Fatalf("import --workers 4 = %d %q %q", code, out.String(), errb.String())
	}
	for phone, id := range ids {
		docs, err := a.vault.List(ctx, id)
		if err != nil || len(docs) != 1 {
			t.Fatalf("List(%s) = %d documents, %v; want 1", phone, len(docs), err)
		}
		d, err := a.vault.Get(ctx, id, docs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(d.Fields.Values["authority"]); !strings.Contains(got, "УФМС") {
			t.Errorf("%s passport authority = %q, want the later version (УФМС)", phone, got)
		}
	}
	if code := runImport(ctx, env{strings.NewReader(""), &out, &errb, func(string) string { return "" }},
		[]string{"-", "--data-dir", dir, "--issuer", "mvd", "--workers", "0"}); code != 2 {
		t.Errorf("import --workers 0 = %d, want 2", code)
	}
}
