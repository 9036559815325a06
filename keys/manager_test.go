package keys_test

import (
	"context"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/keys/keystest"
)

func newFileBackend(t testing.TB) *keys.FileBackend {
	t.Helper()
	master := make([]byte, keys.MasterKeySize)
	for i := range master {
		master[i] = byte(i)
	}
	b, err := keys.NewFileBackend(master)
	if err != nil {
		t.Fatalf("NewFileBackend: %v", err)
	}
	return b
}

func TestFileBackend(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		keystest.Run(t, keystest.Options{DSN: keystest.SQLiteDSN, Backend: newFileBackend(t)})
	})
	t.Run("postgres", func(t *testing.T) {
		keystest.Run(t, keystest.Options{DSN: testenv.PostgresDSN, Backend: newFileBackend(t)})
	})
}

func TestNewManagerConfig(t *testing.T) {
	db, fb := testdb.SQLite(t), newFileBackend(t)
	tests := []struct {
		name string
		cfg  keys.Config
	}{
		{"no store", keys.Config{Backend: fb}},
		{"no backend", keys.Config{Store: db}},
		{"two backends of one name", keys.Config{Store: db, Backend: fb, Others: []keys.Backend{newFileBackend(t)}}},
	}
	for _, tt := range tests {
		if _, err := keys.NewManager(tt.cfg); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("%s: NewManager = %v, want EINVALID", tt.name, err)
		}
	}
	m, err := keys.NewManager(keys.Config{Store: db, Backend: fb})
	if err != nil {
		t.Fatalf("NewManager(store, backend) = %v", err)
	}
	if _, err := m.Signer(context.Background(), keys.ES256); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("Signer before EnsureKeys = %v, want ENOTFOUND", err)
	}
}

func BenchmarkSign(b *testing.B)   { keystest.BenchSign(b, newFileBackend(b)) }
func BenchmarkWrap(b *testing.B)   { keystest.BenchWrap(b, newFileBackend(b)) }
func BenchmarkUnwrap(b *testing.B) { keystest.BenchUnwrap(b, newFileBackend(b)) }
