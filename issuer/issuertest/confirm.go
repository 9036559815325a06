package issuertest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/vault"
)

// Texts records the SMS messages sent to citizens.
type Texts struct {
	mu   sync.Mutex
	msgs []sms.Message
}

// Send implements sms.Sender.
func (t *Texts) Send(_ context.Context, m sms.Message) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.msgs = append(t.msgs, m)
	return nil
}

// Purposes returns the purposes of the messages sent so far, in order.
func (t *Texts) Purposes() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, len(t.msgs))
	for i, m := range t.msgs {
		out[i] = m.Purpose
	}
	return out
}

// Confirming rebuilds e.Issuers so that decisions on confirmation
// requests reach the citizen's inbox (e.Notes) and their phone (the
// returned Texts). clock must be the one e was built with.
func (e *Env) Confirming(t testing.TB, clock func() time.Time) *Texts {
	t.Helper()
	texts := &Texts{}
	var err error
	if e.Notes, err = account.NewNotifications(e.DB, e.Accounts.Citizens, texts, clock, nil); err != nil {
		t.Fatalf("account.NewNotifications: %v", err)
	}
	reg, err := vault.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, issuer.IndexKeySize)
	_, _ = rand.Read(key)
	if e.Issuers, err = issuer.New(issuer.Config{Store: e.DB, Vault: e.Vault, Citizens: e.Accounts.Citizens, Types: issuer.TypesOf(reg),
		Audit: e.Audit, IndexKey: key, Clock: clock, Notifier: e.Notes}); err != nil {
		t.Fatalf("issuer.New: %v", err)
	}
	return texts
}

// Fixture returns the valid fields of a document type from the vault's
// test data (vault/testdata/valid/<typeID>.json).
func Fixture(t testing.TB, typeID string) json.RawMessage {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "vault", "testdata", "valid", typeID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SelfDeclared adds a self-declared document of typeID with fields to the
// citizen's vault and returns its id.
func (e *Env) SelfDeclared(t testing.TB, citizenID, typeID string, fields json.RawMessage) string {
	t.Helper()
	d, err := e.Vault.AddSelfDeclared(context.Background(), citizenID, typeID, fields, nil)
	if err != nil {
		t.Fatalf("AddSelfDeclared(%s): %v", typeID, err)
	}
	return d.ID
}
