package vault

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"reflect"
	"testing"
	"time"
)

func testAEAD(t *testing.T, b byte) cipher.AEAD {
	t.Helper()
	a, err := newAEAD(bytes.Repeat([]byte{b}, dataKeySize))
	if err != nil {
		t.Fatalf("newAEAD: %v", err)
	}
	return a
}

func TestSealOpen(t *testing.T) {
	a, other := testAEAD(t, 1), testAEAD(t, 2)
	aad := joinAAD("document/v1", "d1", "c1")
	blob := seal(a, []byte("secret"), aad)
	if bytes.Contains(blob, []byte("secret")) || blob[0] != sealV1 {
		t.Fatalf("seal = %x, want a versioned ciphertext", blob)
	}
	if got, err := open(a, blob, aad); err != nil || string(got) != "secret" {
		t.Fatalf("open = %q, %v; want secret", got, err)
	}
	flipped := bytes.Clone(blob)
	flipped[len(flipped)-1] ^= 1
	badVersion := bytes.Clone(blob)
	badVersion[0] = 2
	for name, tt := range map[string]struct {
		blob, aad []byte
		key       cipher.AEAD
	}{
		"other aad":     {blob, joinAAD("document/v1", "d2", "c1"), a},
		"other key":     {blob, aad, other},
		"flipped bit":   {flipped, aad, a},
		"other version": {badVersion, aad, a},
		"empty":         {nil, aad, a},
		"version only":  {blob[:1], aad, a},
	} {
		if _, err := open(tt.key, tt.blob, tt.aad); !errors.Is(err, ErrTampered) {
			t.Errorf("open(%s) = %v, want ErrTampered", name, err)
		}
	}
	if _, err := newAEAD(make([]byte, 16)); err == nil {
		t.Errorf("newAEAD(16 bytes) succeeded, want an error")
	}
}

func TestJoinAAD(t *testing.T) {
	seen := map[string]string{}
	for name, parts := range map[string][]string{
		"a|bc": {"a", "bc"}, "ab|c": {"ab", "c"}, "abc": {"abc"}, "abc|": {"abc", ""}, "1:a": {"1:a"}, "1|a": {"1", "a"},
	} {
		k := string(joinAAD("x", parts...))
		if prev, dup := seen[k]; dup {
			t.Errorf("joinAAD(%s) = joinAAD(%s)", name, prev)
		}
		seen[k] = name
	}
	if bytes.Equal(joinAAD("file/v1", "a"), joinAAD("file-name/v1", "a")) {
		t.Errorf("labels do not separate AADs")
	}
}

func TestKeyCacheEntries(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := testAEAD(t, 1)
	c := newKeyCache(time.Minute, 2)
	c.put("c1", "k", []byte("w1"), a, now)
	for name, tt := range map[string]struct {
		id, keyID, wrapped string
		at                 time.Time
		hit                bool
	}{
		"same":          {"c1", "k", "w1", now.Add(59 * time.Second), true},
		"expired":       {"c1", "k", "w1", now.Add(time.Minute), false},
		"other wrapped": {"c1", "k", "w2", now, false},
		"other key id":  {"c1", "k2", "w1", now, false},
		"other citizen": {"c2", "k", "w1", now, false},
	} {
		if _, ok := c.get(tt.id, tt.keyID, []byte(tt.wrapped), tt.at); ok != tt.hit {
			t.Errorf("get(%s) hit = %v, want %v", name, ok, tt.hit)
		}
	}
	c.put("c2", "k", []byte("w"), a, now)
	c.put("c3", "k", []byte("w"), a, now)
	if len(c.m) != 2 {
		t.Errorf("cache holds %d keys, want at most 2", len(c.m))
	}
	c.drop("c3")
	if _, ok := c.get("c3", "k", []byte("w"), now); ok {
		t.Errorf("get after drop hit")
	}
	off := newKeyCache(-1, 10)
	off.put("c1", "k", []byte("w"), a, now)
	if _, ok := off.get("c1", "k", []byte("w"), now); ok || len(off.m) != 0 {
		t.Errorf("a cache with a negative TTL kept a key")
	}
}

// TestContentRoundTrip checks that every type's example survives sealing
// and decoding with its typed values ([]string, []Child) intact.
func TestContentRoundTrip(t *testing.T) {
	r := newRegistry(t)
	for _, typ := range r.Types() {
		f, err := r.Validate(typ.ID(), typ.Version(), mustJSON(t, example(t, typ.ID())), testNow())
		if err != nil {
			t.Fatalf("Validate(%s) = %v", typ.ID(), err)
		}
		plain, err := encodeContent(f, "ref", "sig")
		if err != nil {
			t.Fatalf("encodeContent(%s) = %v", typ.ID(), err)
		}
		got, c, err := decodeContent(typ, plain)
		if err != nil || !reflect.DeepEqual(got, f) || c.IssuerDocID != "ref" || c.Signature != "sig" {
			t.Errorf("decodeContent(%s) = %v (%v), %+v, %v; want %v", typ.ID(), got, got.Values, c, err, f.Values)
		}
	}
	typ, _ := r.Latest("snils")
	for name, plain := range map[string]string{
		"not json":      "{",
		"unknown field": `{"fields":{"nope":"x"}}`,
		"wrong shape":   `{"fields":{"number":["x"]}}`,
	} {
		if _, _, err := decodeContent(typ, []byte(plain)); err == nil {
			t.Errorf("decodeContent(%s) succeeded, want an error", name)
		}
	}
}
