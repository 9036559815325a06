package keystest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/keys"
)

func testSign(t *testing.T, o Options, dsn string) {
	ctx := context.Background()
	m, _ := started(t, o, testdb.Open(t, dsn))
	set, err := m.JWKS(ctx)
	if err != nil || len(set.Keys) != 2 {
		t.Fatalf("JWKS() = %d keys, %v; want the ES256 and EdDSA keys", len(set.Keys), err)
	}
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		payload := `{"iss":"digitalid","alg":"` + string(alg) + `"}`
		jws, kid := SignJWS(t, m, alg, payload)
		if got, err := VerifyJWS(jws, set); err != nil || got != payload {
			t.Errorf("VerifyJWS(%s JWS) = %q, %v; want %q", alg, got, err, payload)
		}
		if _, err := VerifyJWS(tamper(jws), set); err == nil {
			t.Errorf("VerifyJWS(tampered %s JWS) = nil, want an error", alg)
		}
		s, err := m.Signer(ctx, alg)
		if err != nil || s.KeyID() != kid || s.Alg() != alg {
			t.Fatalf("Signer(%s) = %v, %v; want key %s", alg, s, err, kid)
		}
		msg := []byte("plain crypto.Signer use, as crypto/x509 does")
		var ok bool
		switch alg {
		case keys.ES256:
			d := sha256.Sum256(msg)
			sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
			ok = err == nil && ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), d[:], sig)
			if _, err := s.Sign(rand.Reader, msg, crypto.SHA256); digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Errorf("ES256 Sign(not a digest) = %v, want EINVALID", err)
			}
		case keys.EdDSA:
			sig, err := s.Sign(rand.Reader, msg, crypto.Hash(0))
			ok = err == nil && ed25519.Verify(s.Public().(ed25519.PublicKey), msg, sig)
		}
		if !ok {
			t.Errorf("%s crypto.Signer signature does not verify with its public key", alg)
		}
	}
	ks, err := m.PublicKeys(ctx)
	if err != nil {
		t.Fatalf("PublicKeys() = %v", err)
	}
	for _, k := range ks {
		if k.Backend != o.Backend.Name() || k.State != keys.StateActive || k.Purpose != keys.PurposeSign {
			t.Errorf("PublicKeys() has %+v, want an active signing key of backend %s", k, o.Backend.Name())
		}
	}
	if _, err := m.Signer(ctx, keys.A256GCM); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("Signer(A256GCM) = %v, want EINVALID", err)
	}
}

// tamper changes one character of a compact JWS's payload.
func tamper(jws string) string {
	i := strings.Index(jws, ".") + 2
	c := byte('A')
	if jws[i] == 'A' {
		c = 'B'
	}
	return jws[:i] + string(c) + jws[i+1:]
}

func testWrap(t *testing.T, o Options, dsn string) {
	ctx := context.Background()
	m, _ := started(t, o, testdb.Open(t, dsn))
	dk := random(t, 32)
	aad := []byte("citizen:42")
	w, err := m.Wrap(ctx, dk, aad)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	if got, err := m.Unwrap(ctx, w, aad); err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("Unwrap(Wrap(dk)) = %x, %v; want %x", got, err, dk)
	}
	if bytes.Contains(w.Ciphertext, dk) {
		t.Error("Wrap: ciphertext contains the data key")
	}
	if w2, err := m.Wrap(ctx, dk, aad); err != nil || bytes.Equal(w2.Ciphertext, w.Ciphertext) {
		t.Errorf("Wrap twice = equal ciphertexts or %v; want a fresh nonce each time", err)
	}
	signer, err := m.Signer(ctx, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	n := len(w.Ciphertext)
	tests := []struct {
		name string
		w    keys.Wrapped
		aad  string
		code string
	}{
		{"wrong aad", w, "citizen:43", digitalid.EINVALID},
		{"no aad", w, "", digitalid.EINVALID},
		{"version changed", flip(w, 0), "citizen:42", digitalid.EINVALID},
		{"nonce changed", flip(w, 5), "citizen:42", digitalid.EINVALID},
		{"ciphertext changed", flip(w, 20), "citizen:42", digitalid.EINVALID},
		{"tag changed", flip(w, n-1), "citizen:42", digitalid.EINVALID},
		{"truncated", keys.Wrapped{KeyID: w.KeyID, Ciphertext: w.Ciphertext[:n-1]}, "citizen:42", digitalid.EINVALID},
		{"extended", keys.Wrapped{KeyID: w.KeyID, Ciphertext: append(bytes.Clone(w.Ciphertext), 0)}, "citizen:42", digitalid.EINVALID},
		{"short", keys.Wrapped{KeyID: w.KeyID, Ciphertext: w.Ciphertext[:12]}, "citizen:42", digitalid.EINVALID},
		{"empty", keys.Wrapped{KeyID: w.KeyID}, "citizen:42", digitalid.EINVALID},
		{"unknown key", keys.Wrapped{KeyID: keys.NewKeyID(), Ciphertext: w.Ciphertext}, "citizen:42", digitalid.ENOTFOUND},
		{"malformed key id", keys.Wrapped{KeyID: "../x", Ciphertext: w.Ciphertext}, "citizen:42", digitalid.ENOTFOUND},
		{"signing key", keys.Wrapped{KeyID: signer.KeyID(), Ciphertext: w.Ciphertext}, "citizen:42", digitalid.ENOTFOUND},
	}
	for _, tt := range tests {
		got, err := m.Unwrap(ctx, tt.w, []byte(tt.aad))
		if digitalid.ErrorCode(err) != tt.code || got != nil {
			t.Errorf("%s: Unwrap = %x, %v; want code %s", tt.name, got, err, tt.code)
		}
	}
	for _, bad := range [][]byte{nil, make([]byte, keys.MaxDataKey+1)} {
		if _, err := m.Wrap(ctx, bad, aad); digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("Wrap(%d bytes) = %v, want EINVALID", len(bad), err)
		}
	}
}

func flip(w keys.Wrapped, i int) keys.Wrapped {
	c := bytes.Clone(w.Ciphertext)
	c[i] ^= 0x01
	return keys.Wrapped{KeyID: w.KeyID, Ciphertext: c}
}

func testRotate(t *testing.T, o Options, dsn string) {
	ctx := context.Background()
	m, clock := started(t, o, testdb.Open(t, dsn))
	oldJWS, oldKid := SignJWS(t, m, keys.ES256, "before")
	edJWS, _ := SignJWS(t, m, keys.EdDSA, "untouched")
	dk, aad := random(t, 32), []byte("citizen:7")
	w, err := m.Wrap(ctx, dk, aad)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	rotatedAt := clock.Now()
	k, err := m.Rotate(ctx, keys.PurposeSign, keys.ES256)
	if err != nil || k.ID == oldKid || k.State != keys.StateActive || k.Alg != keys.ES256 || k.Public == nil {
		t.Fatalf("Rotate(sign, ES256) = %+v, %v; want a new active ES256 key", k, err)
	}
	wk, err := m.Rotate(ctx, keys.PurposeWrap, keys.A256GCM)
	if err != nil || wk.ID == w.KeyID {
		t.Fatalf("Rotate(wrap, A256GCM) = %+v, %v; want a new wrapping key", wk, err)
	}
	newJWS, newKid := SignJWS(t, m, keys.ES256, "after")
	if newKid != k.ID {
		t.Errorf("Signer(ES256) after Rotate = %s, want the new key %s", newKid, k.ID)
	}
	if w2, err := m.Wrap(ctx, dk, aad); err != nil || w2.KeyID != wk.ID {
		t.Errorf("Wrap after Rotate = key %s, %v; want the new key %s", w2.KeyID, err, wk.ID)
	}
	ks, err := m.PublicKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var old keys.Key
	for _, k := range ks {
		if k.ID == oldKid {
			old = k
		}
	}
	if old.State != keys.StateRetired || !old.RetiredAt.Equal(rotatedAt) || !old.ExpiresAt.Equal(rotatedAt.Add(keys.DefaultPublishFor)) {
		t.Errorf("PublicKeys() has old key %+v, want retired at %v, expiring %v later", old, rotatedAt, keys.DefaultPublishFor)
	}

	check := func(when string, oldPublished bool) {
		t.Helper()
		set, err := m.JWKS(ctx)
		if err != nil {
			t.Fatalf("%s: JWKS() = %v", when, err)
		}
		_, errOld := VerifyJWS(oldJWS, set)
		if (errOld == nil) != oldPublished {
			t.Errorf("%s: VerifyJWS(JWS of the retired key) = %v, want published=%v", when, errOld, oldPublished)
		}
		_, errPK := m.PublicKey(ctx, oldKid)
		if (errPK == nil) != oldPublished || (errPK != nil && digitalid.ErrorCode(errPK) != digitalid.ENOTFOUND) {
			t.Errorf("%s: PublicKey(retired) = %v, want published=%v", when, errPK, oldPublished)
		}
		for _, jws := range []string{newJWS, edJWS} {
			if _, err := VerifyJWS(jws, set); err != nil {
				t.Errorf("%s: VerifyJWS(JWS of an active key) = %v", when, err)
			}
		}
		if got, err := m.Unwrap(ctx, w, aad); err != nil || !bytes.Equal(got, dk) {
			t.Errorf("%s: Unwrap(made by the retired wrapping key) = %x, %v; want %x", when, got, err, dk)
		}
	}
	check("just after rotation", true)
	clock.Advance(keys.DefaultPublishFor - time.Second)
	check("a second before expiry", true)
	clock.Advance(2 * time.Second)
	check("after expiry", false)
	if _, err := m.Rotate(ctx, keys.PurposeSign, keys.A256GCM); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("Rotate(sign, A256GCM) = %v, want EINVALID", err)
	}
}

// testOtherInstance checks what one instance sees of another's rotation.
func testOtherInstance(t *testing.T, o Options, dsn string) {
	ctx := context.Background()
	m1, clock := started(t, o, testdb.Open(t, dsn))
	m2 := NewManager(t, testdb.Open(t, dsn), o.Backend, clock)
	dk, aad := random(t, 32), []byte("citizen:9")
	_, kid1 := SignJWS(t, m1, keys.ES256, "m1")
	_, kid2 := SignJWS(t, m2, keys.ES256, "m2")
	w1, err1 := m1.Wrap(ctx, dk, aad)
	w2, err2 := m2.Wrap(ctx, dk, aad)
	if kid1 != kid2 || err1 != nil || err2 != nil || w1.KeyID != w2.KeyID {
		t.Fatalf("two instances on one database use keys %s/%s and %s/%s (%v, %v); want the same", kid1, w1.KeyID, kid2, w2.KeyID, err1, err2)
	}
	k, err := m1.Rotate(ctx, keys.PurposeSign, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	wk, err := m1.Rotate(ctx, keys.PurposeWrap, keys.A256GCM)
	if err != nil {
		t.Fatal(err)
	}
	// Within CacheFor, m2 still signs with the old key, which is still published.
	jws, kid := SignJWS(t, m2, keys.ES256, "cached")
	set, err := m1.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyJWS(jws, set); kid != kid1 || err != nil {
		t.Errorf("m2 within the cache period signs with %s (verifies: %v); want the old %s, verifying", kid, err, kid1)
	}
	// A kid m2 has never seen is looked up at once.
	w3, err := m1.Wrap(ctx, dk, aad)
	if err != nil || w3.KeyID != wk.ID {
		t.Fatalf("m1.Wrap after rotation = %s, %v; want %s", w3.KeyID, err, wk.ID)
	}
	if got, err := m2.Unwrap(ctx, w3, aad); err != nil || !bytes.Equal(got, dk) {
		t.Errorf("m2.Unwrap(wrapped by m1's new key) = %x, %v; want %x", got, err, dk)
	}
	if pk, err := m2.PublicKey(ctx, k.ID); err != nil || pk.ID != k.ID {
		t.Errorf("m2.PublicKey(m1's new key) = %+v, %v", pk, err)
	}
	clock.Advance(keys.DefaultCacheFor)
	if _, kid := SignJWS(t, m2, keys.ES256, "fresh"); kid != k.ID {
		t.Errorf("m2 after the cache period signs with %s, want the new %s", kid, k.ID)
	}
	if w, err := m2.Wrap(ctx, dk, aad); err != nil || w.KeyID != wk.ID {
		t.Errorf("m2.Wrap after the cache period = %s, %v; want the new %s", w.KeyID, err, wk.ID)
	}
}

func random(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
