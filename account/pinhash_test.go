package account

import (
	"strings"
	"testing"
)

func TestPINHash(t *testing.T) {
	p := Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}
	s := hashPIN("2791", p)
	if !strings.HasPrefix(s, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hashPIN = %q, want an argon2id PHC string with m=64,t=1,p=1", s)
	}
	if s2 := hashPIN("2791", p); s2 == s {
		t.Errorf("hashPIN twice gave %q both times: the salt is not random", s)
	}
	h, err := parsePINHash(s)
	if err != nil {
		t.Fatalf("parsePINHash(%q) = %v", s, err)
	}
	if h.params != p || len(h.salt) != saltLen || len(h.sum) != hashLen {
		t.Errorf("parsePINHash(%q) = %+v, want params %+v, %d-byte salt and %d-byte hash", s, h, p, saltLen, hashLen)
	}
	for pin, want := range map[string]bool{"2791": true, "2792": false, "": false, "27910": false} {
		if got := h.matches(pin); got != want {
			t.Errorf("matches(%q) = %v, want %v", pin, got, want)
		}
	}
	if got := encodePINHash(h.params, h.salt, h.sum); got != s {
		t.Errorf("encodePINHash(parsePINHash(s)) = %q, want %q", got, s)
	}
}

func TestDefaultArgon2(t *testing.T) {
	if p := DefaultArgon2(); p != (Argon2Params{Time: 2, MemoryKiB: 19456, Threads: 1}) {
		t.Errorf("DefaultArgon2() = %+v, want OWASP's t=2, m=19456 KiB, p=1", p)
	}
}

func TestParsePINHashRefuses(t *testing.T) {
	good := "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	if _, err := parsePINHash(good); err != nil {
		t.Fatalf("parsePINHash(good) = %v", err)
	}
	for name, s := range map[string]string{
		"empty":          "",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"old version":    strings.Replace(good, "v=19", "v=16", 1),
		"order":          strings.Replace(good, "m=64,t=1,p=1", "t=1,m=64,p=1", 1),
		"extra param":    strings.Replace(good, "p=1", "p=1,x=2", 1),
		"huge memory":    strings.Replace(good, "m=64", "m=4194304", 1),
		"zero time":      strings.Replace(good, "t=1", "t=0", 1),
		"slow":           strings.Replace(good, "t=1", "t=1000", 1),
		"zero lanes":     strings.Replace(good, "p=1", "p=0", 1),
		"lanes overflow": strings.Replace(good, "p=1", "p=256", 1),
		"padded salt":    strings.Replace(good, "c2FsdHNhbHRzYWx0c2FsdA", "c2FsdHNhbHRzYWx0c2FsdA==", 1),
		"short hash":     strings.Replace(good, "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", "aGFzaA", 1),
		"missing part":   "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA",
		"negative":       strings.Replace(good, "m=64", "m=-64", 1),
	} {
		if _, err := parsePINHash(s); err == nil {
			t.Errorf("parsePINHash(%s: %q) = nil error, want a refusal", name, s)
		}
	}
}

func FuzzParsePINHash(f *testing.F) {
	f.Add(hashPIN("2791", Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}))
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePINHash(s)
		if err != nil {
			return
		}
		p := h.params
		if p.Time < 1 || p.Time > maxArgonTime || p.Threads < 1 || p.MemoryKiB > maxArgonMemoryKiB || len(h.sum) < 16 {
			t.Fatalf("parsePINHash(%q) accepted out-of-bounds %+v", s, h)
		}
		if got := encodePINHash(p, h.salt, h.sum); got != s {
			t.Fatalf("parsePINHash(%q) accepted a non-canonical string (re-encodes as %q)", s, got)
		}
	})
}
