//go:build cgo

package pkcs11

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/keys/keystest"
	p11 "github.com/miekg/pkcs11"
)

// hsm is the one SoftHSM2 token of this test process: SoftHSM2 reads
// SOFTHSM2_CONF only when the module is first initialised, so every test
// shares one token (and one Backend) and names its keys uniquely.
var hsm struct {
	once    sync.Once
	dir     string
	token   testenv.SoftHSM
	backend *Backend
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if hsm.backend != nil {
		hsm.backend.Close()
	}
	if hsm.dir != "" {
		os.RemoveAll(hsm.dir)
	}
	os.Exit(code)
}

// softHSM returns the shared backend, or skips (fails under
// DIGITALID_REQUIRE_ALL=1) when SoftHSM2 is not installed.
func softHSM(t testing.TB) *Backend {
	t.Helper()
	testenv.SoftHSMModule(t)
	hsm.once.Do(func() {
		if hsm.dir, hsm.err = os.MkdirTemp("", "digitalid-softhsm-"); hsm.err != nil {
			return
		}
		hsm.token = testenv.NewSoftHSM(t, hsm.dir)
		os.Setenv("SOFTHSM2_CONF", hsm.token.Config)
		hsm.backend, hsm.err = Open(hsmConfig())
	})
	if hsm.backend == nil {
		t.Fatalf("SoftHSM2 backend: %v", hsm.err)
	}
	return hsm.backend
}

func hsmConfig() Config {
	return Config{Module: hsm.token.Module, TokenLabel: hsm.token.Token, PIN: hsm.token.PIN}
}

func TestConformance(t *testing.T) {
	b := softHSM(t)
	t.Run("sqlite", func(t *testing.T) {
		keystest.Run(t, keystest.Options{DSN: keystest.SQLiteDSN, Backend: b, HasKey: b.Holds})
	})
	t.Run("postgres", func(t *testing.T) {
		keystest.Run(t, keystest.Options{DSN: testenv.PostgresDSN, Backend: b, HasKey: b.Holds})
	})
}

// TestKeysStayInHSM checks that every kind of key is a sensitive,
// non-extractable token object whose value cannot be read, and that the
// record holds no key material.
func TestKeysStayInHSM(t *testing.T) {
	b := softHSM(t)
	ctx := context.Background()
	for _, k := range []struct {
		purpose keys.Purpose
		alg     keys.Alg
	}{{keys.PurposeSign, keys.ES256}, {keys.PurposeSign, keys.EdDSA}, {keys.PurposeWrap, keys.A256GCM}} {
		id := keys.NewKeyID()
		r, err := b.Generate(ctx, id, k.purpose, k.alg)
		if err != nil {
			t.Fatalf("Generate(%s) = %v", k.alg, err)
		}
		if r.Sealed != nil || r.Backend != Name || !bytes.Equal(r.HSMID, []byte(id)) || r.HSMLabel != "digitalid-"+id {
			t.Errorf("Generate(%s) = %+v, want HSM label and id only", k.alg, r)
		}
		err = b.raw.with(func(s p11.SessionHandle) error {
			hs, err := b.raw.find(s, r.HSMID, privateClass(k.alg))
			if err != nil || len(hs) != 1 {
				return fmt.Errorf("find private object: %d, %v", len(hs), err)
			}
			attrs, err := b.raw.ctx.GetAttributeValue(s, hs[0], []*p11.Attribute{
				p11.NewAttribute(p11.CKA_SENSITIVE, nil), p11.NewAttribute(p11.CKA_EXTRACTABLE, nil),
				p11.NewAttribute(p11.CKA_PRIVATE, nil), p11.NewAttribute(p11.CKA_TOKEN, nil),
			})
			if err != nil {
				return err
			}
			for i, want := range []byte{1, 0, 1, 1} {
				if len(attrs[i].Value) != 1 || attrs[i].Value[0] != want {
					t.Errorf("%s private object attribute %#x = %v, want %d", k.alg, attrs[i].Type, attrs[i].Value, want)
				}
			}
			if v, err := b.raw.ctx.GetAttributeValue(s, hs[0], []*p11.Attribute{p11.NewAttribute(p11.CKA_VALUE, nil)}); err == nil {
				t.Errorf("%s: reading CKA_VALUE = %d bytes, want CKR_ATTRIBUTE_SENSITIVE", k.alg, len(v[0].Value))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", k.alg, err)
		}
		if err := b.Discard(ctx, r); err != nil {
			t.Errorf("Discard(%s) = %v", k.alg, err)
		}
		if held, err := b.Holds(r); err != nil || held {
			t.Errorf("Holds(%s) after Discard = %v, %v; want false", k.alg, held, err)
		}
		if _, err := b.Signer(ctx, r); k.purpose == keys.PurposeSign && err == nil {
			t.Errorf("Signer(%s) after Discard = nil error", k.alg)
		}
	}
	if _, err := b.Generate(ctx, "bad id!", keys.PurposeSign, keys.ES256); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("Generate(malformed id) = %v, want EINVALID", err)
	}
}

// TestSecondInstance opens a second Backend on the token, as a second
// instance of the service on one HSM would, and closes it again without
// disturbing the first.
func TestSecondInstance(t *testing.T) {
	b1 := softHSM(t)
	ctx := context.Background()
	b2, err := Open(hsmConfig())
	if err != nil {
		t.Fatalf("Open(second) = %v", err)
	}
	dsn := keystest.SQLiteDSN(t)
	clock := keystest.NewClock()
	m1 := keystest.NewManager(t, testdb.Open(t, dsn), b1, clock)
	if err := m1.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	m2 := keystest.NewManager(t, testdb.Open(t, dsn), b2, clock)
	if err := m2.EnsureKeys(ctx); err != nil {
		t.Fatalf("second instance: EnsureKeys = %v", err)
	}
	set, err := m1.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		jws, _ := keystest.SignJWS(t, m2, alg, "second")
		if _, err := keystest.VerifyJWS(jws, set); err != nil {
			t.Errorf("second instance's %s JWS: %v", alg, err)
		}
	}
	w, err := m2.Wrap(ctx, []byte("dk"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b2.Close(); err != nil {
		t.Fatalf("Close(second) = %v", err)
	}
	if got, err := m1.Unwrap(ctx, w, []byte("aad")); err != nil || string(got) != "dk" {
		t.Errorf("first instance after the second closed: Unwrap = %q, %v", got, err)
	}
	if jws, _ := keystest.SignJWS(t, m1, keys.EdDSA, "first"); jws == "" {
		t.Error("first instance cannot sign after the second closed")
	}
}

// TestMoveFromFileToHSM is the operator's path to an HSM: configure pkcs11
// with the file backend as Others and rotate. Old signatures still verify,
// old wrapped keys still open, new keys live in the HSM.
func TestMoveFromFileToHSM(t *testing.T) {
	ctx := context.Background()
	hsmBackend := softHSM(t)
	file, err := keys.NewFileBackend(bytes.Repeat([]byte{9}, keys.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	dsn, clock := keystest.SQLiteDSN(t), keystest.NewClock()
	before := keystest.NewManager(t, testdb.Open(t, dsn), file, clock)
	if err := before.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	oldJWS, _ := keystest.SignJWS(t, before, keys.EdDSA, "signed by a file key")
	w, err := before.Wrap(ctx, []byte("dk"), []byte("citizen:1"))
	if err != nil {
		t.Fatal(err)
	}
	after, err := keys.NewManager(keys.Config{Store: testdb.Open(t, dsn), Backend: hsmBackend, Others: []keys.Backend{file}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := after.EnsureKeys(ctx); err != nil {
		t.Fatalf("EnsureKeys with the file keys active = %v", err)
	}
	for _, k := range []struct {
		p keys.Purpose
		a keys.Alg
	}{{keys.PurposeSign, keys.ES256}, {keys.PurposeSign, keys.EdDSA}, {keys.PurposeWrap, keys.A256GCM}} {
		if nk, err := after.Rotate(ctx, k.p, k.a); err != nil || nk.Backend != Name {
			t.Fatalf("Rotate(%s) = %+v, %v; want a %s key", k.a, nk, err, Name)
		}
	}
	set, err := after.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newJWS, _ := keystest.SignJWS(t, after, keys.EdDSA, "signed in the HSM")
	for _, jws := range []string{oldJWS, newJWS} {
		if _, err := keystest.VerifyJWS(jws, set); err != nil {
			t.Errorf("VerifyJWS after moving to the HSM = %v", err)
		}
	}
	if got, err := after.Unwrap(ctx, w, []byte("citizen:1")); err != nil || string(got) != "dk" {
		t.Errorf("Unwrap(wrapped by the file key) after moving = %q, %v", got, err)
	}
	if w2, err := after.Wrap(ctx, []byte("dk"), nil); err != nil || w2.KeyID == w.KeyID {
		t.Errorf("Wrap after moving = key %s, %v; want a new HSM key", w2.KeyID, err)
	}
}

func TestOpenErrors(t *testing.T) {
	softHSM(t)
	good := hsmConfig()
	tests := []struct {
		name string
		cfg  Config
		code string
	}{
		{"no module", Config{TokenLabel: good.TokenLabel, PIN: good.PIN}, digitalid.EINVALID},
		{"no token", Config{Module: good.Module, PIN: good.PIN}, digitalid.EINVALID},
		{"no PIN", Config{Module: good.Module, TokenLabel: good.TokenLabel}, digitalid.EINVALID},
		{"unknown token", Config{Module: good.Module, TokenLabel: "no-such-token", PIN: good.PIN}, digitalid.EUNAVAILABLE},
		{"unknown module", Config{Module: "/nonexistent/libpkcs11.so", TokenLabel: good.TokenLabel, PIN: good.PIN}, digitalid.EUNAVAILABLE},
	}
	for _, tt := range tests {
		b, err := Open(tt.cfg)
		if digitalid.ErrorCode(err) != tt.code {
			t.Errorf("%s: Open = %v, want code %s", tt.name, err, tt.code)
		}
		if b != nil {
			b.Close()
		}
		if err != nil && tt.cfg.PIN != "" && strings.Contains(err.Error(), tt.cfg.PIN) {
			t.Errorf("%s: Open error %q contains the PIN", tt.name, err)
		}
	}
}

func TestConfigHidesPIN(t *testing.T) {
	cfg := Config{Module: "/usr/lib/x.so", TokenLabel: "tok", PIN: "s3cret-pin"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("hsm", "config", cfg)
	fmt.Fprintf(&buf, "%v %+v %#v %s", cfg, cfg, cfg, cfg)
	if strings.Contains(buf.String(), "s3cret-pin") || !strings.Contains(buf.String(), "tok") {
		t.Errorf("logged Config = %s; want the token without the PIN", buf.String())
	}
}

func BenchmarkSign(b *testing.B)   { keystest.BenchSign(b, softHSM(b)) }
func BenchmarkWrap(b *testing.B)   { keystest.BenchWrap(b, softHSM(b)) }
func BenchmarkUnwrap(b *testing.B) { keystest.BenchUnwrap(b, softHSM(b)) }
