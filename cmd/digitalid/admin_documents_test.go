package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminDocuments: the operator's count of the vault shows types,
// sources, statuses and numbers, and never a citizen's data.
func TestAdminDocuments(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	a := testApp(t, nil, "--data-dir", dir)
	if _, err := a.seedDemo(context.Background()); err != nil {
		t.Fatalf("seedDemo = %v", err)
	}
	a.Close()
	var out, errb bytes.Buffer
	code := runAdmin(context.Background(), env{strings.NewReader(""), &out, &errb, func(string) string { return "" }},
		[]string{"documents", "--data-dir", dir})
	if code != 0 {
		t.Fatalf("admin documents = %d, stderr %q", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{"passport_ru", "issuer", "student_card", "large_family_certificate", "total"} {
		if !strings.Contains(got, want) {
			t.Errorf("admin documents output lacks %q:\n%s", want, got)
		}
	}
	fields := strings.Fields(strings.TrimSpace(got[strings.LastIndex(got, "total"):]))
	if len(fields) != 2 || fields[1] != "4" {
		t.Errorf("total line = %q, want 4 documents (the demo's)", fields)
	}
	for _, secret := range []string{"Демоева", "1990-05-17", "123456", "+77000000018"} {
		if strings.Contains(got, secret) {
			t.Errorf("admin documents shows %q, a citizen's data", secret)
		}
	}
}
