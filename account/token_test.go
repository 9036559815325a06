package account

import (
	"bytes"
	"strings"
	"testing"
)

func TestToken(t *testing.T) {
	tok, hash := newToken(tokenSession)
	if len(tok) != tokenLen || !strings.HasPrefix(tok, tokenSession) {
		t.Fatalf("newToken(%q) = %q, want %d characters with the prefix", tokenSession, tok, tokenLen)
	}
	got, ok := parseToken(tokenSession, tok)
	if !ok || !bytes.Equal(got, hash) {
		t.Errorf("parseToken(session, fresh token) = %x, %v; want %x, true", got, ok, hash)
	}
	if _, ok := parseToken(tokenDevice, tok); ok {
		t.Errorf("parseToken(device, session token) = ok, want refused: one kind must not pass as another")
	}
	if other, _ := newToken(tokenSession); other == tok {
		t.Errorf("newToken twice gave %q", tok)
	}
	for _, bad := range []string{"", tokenSession, tok[:len(tok)-1], tok + "A", tok[:len(tok)-1] + "!", tok[:len(tok)-1] + "="} {
		if _, ok := parseToken(tokenSession, bad); ok {
			t.Errorf("parseToken(session, %q) = ok, want refused", bad)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	tok, _ := newToken(tokenProof)
	f.Add(tok)
	f.Add("dip_")
	f.Add("dip_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")
	f.Fuzz(func(t *testing.T, s string) {
		h, ok := parseToken(tokenProof, s)
		if !ok {
			return
		}
		if len(s) != tokenLen || !strings.HasPrefix(s, tokenProof) || !bytes.Equal(h, hashToken(s)) {
			t.Fatalf("parseToken(%q) accepted a malformed token", s)
		}
	})
}
