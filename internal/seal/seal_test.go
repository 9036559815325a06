package seal

import (
	"bytes"
	"errors"
	"testing"
)

func TestBox(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := b.Seal("+77011234567", "row-1"), b.Seal("+77011234567", "row-1")
	if bytes.Equal(s1, s2) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if bytes.Contains(s1, []byte("77011234567")) {
		t.Error("the sealed value holds the plaintext")
	}
	if got, err := b.Open(s1, "row-1"); err != nil || got != "+77011234567" {
		t.Errorf("Open = %q, %v", got, err)
	}
	for name, c := range map[string]struct {
		sealed []byte
		aad    string
	}{
		"another row": {s1, "row-2"},
		"flipped bit": {append(append([]byte(nil), s1[:len(s1)-1]...), s1[len(s1)-1]^1), "row-1"},
		"too short":   {s1[:5], "row-1"},
		"empty":       {nil, "row-1"},
	} {
		if _, err := b.Open(c.sealed, c.aad); !errors.Is(err, ErrOpen) {
			t.Errorf("Open(%s) = %v, want ErrOpen", name, err)
		}
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(s1, "row-1"); !errors.Is(err, ErrOpen) {
		t.Errorf("Open with another key = %v, want ErrOpen", err)
	}
	if _, err := New(key[:16]); err == nil {
		t.Error("New(16-byte key) succeeded")
	}
}

func TestMAC(t *testing.T) {
	k := bytes.Repeat([]byte{1}, 32)
	if bytes.Equal(MAC(k, "phone", "x"), MAC(k, "otp", "x")) {
		t.Error("MAC ignores the domain")
	}
	if bytes.Equal(MAC(k, "ab", "c"), MAC(k, "a", "bc")) {
		t.Error("MAC does not separate domain from message")
	}
	if !bytes.Equal(MAC(k, "phone", "x"), MAC(k, "phone", "x")) {
		t.Error("MAC is not deterministic")
	}
}
