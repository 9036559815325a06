package keys_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/keys/keystest"
)

// privateBytes returns the raw private material of every key in db, opened
// with the file backend, as a test that greps for it needs.
func privateBytes(t *testing.T, b *keys.FileBackend, rs []keys.Record) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, r := range rs {
		switch r.Alg {
		case keys.A256GCM:
			raw, err := keys.OpenSealed(b, r)
			if err != nil {
				t.Fatalf("OpenSealed(%s): %v", r.ID, err)
			}
			out[r.ID+" AES key"] = raw
		default:
			s, err := b.Signer(context.Background(), r)
			if err != nil {
				t.Fatalf("Signer(%s): %v", r.ID, err)
			}
			switch k := s.(type) {
			case *ecdsa.PrivateKey:
				d, err := k.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				out[r.ID+" ECDSA D"] = d
			case ed25519.PrivateKey:
				out[r.ID+" Ed25519 seed"] = k.Seed()
			default:
				t.Fatalf("key %s: unexpected private key type %T", r.ID, s)
			}
		}
	}
	return out
}

// TestFileBackendNoPlaintext checks the database file and its WAL, in every
// encoding a grep might try, for the private keys and a secret.
func TestFileBackendNoPlaintext(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := testdb.Open(t, filepath.Join(dir, "digitalid.db"))
	fb := newFileBackend(t)
	m := keystest.NewManager(t, db, fb, keystest.NewClock())
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	secret, err := m.LoadOrCreateSecret(ctx, "audit-mac")
	if err != nil {
		t.Fatal(err)
	}
	var rs []keys.Record
	for _, p := range []keys.Purpose{keys.PurposeSign, keys.PurposeWrap} {
		got, err := db.KeyRecords(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, got...)
	}
	if len(rs) != 3 {
		t.Fatalf("KeyRecords = %d keys, want 3", len(rs))
	}
	private := privateBytes(t, fb, rs)
	private["secret audit-mac"] = secret
	var files [][]byte
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	for _, r := range rs {
		files = append(files, r.Sealed)
	}
	for name, raw := range private {
		for _, form := range [][]byte{raw, []byte(hex.EncodeToString(raw)), []byte(base64.StdEncoding.EncodeToString(raw)),
			[]byte(base64.RawURLEncoding.EncodeToString(raw))} {
			for i, f := range files {
				if bytes.Contains(f, form) {
					t.Errorf("%s found in the database (file or sealed blob %d)", name, i)
				}
			}
		}
	}
}

func TestFileBackendWrongMasterKey(t *testing.T) {
	ctx := context.Background()
	dsn := keystest.SQLiteDSN(t)
	m := keystest.NewManager(t, testdb.Open(t, dsn), newFileBackend(t), keystest.NewClock())
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := keys.NewFileBackend(bytes.Repeat([]byte{7}, keys.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	m2 := keystest.NewManager(t, testdb.Open(t, dsn), other, keystest.NewClock())
	if err := m2.EnsureKeys(ctx); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Errorf("EnsureKeys with another master key = %v, want an error naming the master key", err)
	}
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := keys.NewFileBackend(make([]byte, n)); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("NewFileBackend(%d bytes) = %v, want EINVALID", n, err)
		}
	}
}

// A sealed blob moved onto another record (an attacker with write access to
// the database swapping keys) must not open.
func TestFileBackendSealedBoundToRecord(t *testing.T) {
	ctx := context.Background()
	fb := newFileBackend(t)
	a, err := fb.Generate(ctx, "key-a", keys.PurposeSign, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fb.Generate(ctx, "key-b", keys.PurposeSign, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fb.Signer(ctx, a); err != nil {
		t.Fatalf("Signer(a) = %v", err)
	}
	tests := []struct {
		name string
		r    keys.Record
	}{
		{"blob of another key", func() keys.Record { r := a; r.Sealed = b.Sealed; return r }()},
		{"other id", func() keys.Record { r := a; r.ID = "key-c"; return r }()},
		{"other alg", func() keys.Record { r := a; r.Alg = keys.EdDSA; return r }()},
		{"other purpose", func() keys.Record { r := a; r.Purpose = keys.PurposeWrap; return r }()},
		{"other backend", func() keys.Record { r := a; r.Backend = "pkcs11"; return r }()},
		{"public key of another key", func() keys.Record { r := a; r.Public = b.Public; return r }()},
	}
	for _, tt := range tests {
		if s, err := fb.Signer(ctx, tt.r); err == nil {
			t.Errorf("%s: Signer = %v, want an error", tt.name, s)
		}
	}
	if _, err := fb.Generate(ctx, "k", keys.PurposeWrap, keys.ES256); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("Generate(wrap, ES256) = %v, want EINVALID", err)
	}
}

// Logging or printing a key, record, secret or signer shows no key material.
func TestNothingSecretInLogs(t *testing.T) {
	ctx := context.Background()
	fb := newFileBackend(t)
	db := testdb.SQLite(t)
	var logs bytes.Buffer
	m, err := keys.NewManager(keys.Config{Store: db, Backend: fb, Now: keystest.NewClock().Now,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	secret, err := m.LoadOrCreateSecret(ctx, "audit-mac")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rotate(ctx, keys.PurposeSign, keys.ES256); err != nil {
		t.Fatal(err)
	}
	rs, err := db.KeyRecords(ctx, keys.PurposeSign)
	if err != nil {
		t.Fatal(err)
	}
	wrap, err := db.KeyRecords(ctx, keys.PurposeWrap)
	if err != nil {
		t.Fatal(err)
	}
	rs = append(rs, wrap...)
	stored, err := db.Secret(ctx, "audit-mac")
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Signer(ctx, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	l := slog.New(slog.NewJSONHandler(&logs, nil))
	l.Info("values", "signer", s, "secret", stored, "record", rs[0], "key", rs[0].Key)
	fmt.Fprintf(&logs, "%v %+v %#v %s\n", s, s, s, s)
	if !strings.Contains(logs.String(), `"key rotated"`) || !strings.Contains(logs.String(), rs[0].ID) {
		t.Errorf("logs do not name the rotation and the key id:\n%s", logs.String())
	}
	private := privateBytes(t, fb, rs)
	private["secret"] = secret
	for _, r := range rs {
		private[r.ID+" sealed"] = r.Sealed
	}
	private["wrapped secret"] = stored.Wrapped.Ciphertext
	for name, raw := range private {
		for _, form := range []string{hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), fmt.Sprint(raw), new(big.Int).SetBytes(raw).String()} {
			if strings.Contains(logs.String(), form) {
				t.Errorf("logs contain %s:\n%s", name, logs.String())
			}
		}
	}
}
