package statuslist

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecode feeds Decode arbitrary lst values: it must never panic, and
// whatever it accepts must stay within MaxBytes and survive Encode/Decode.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(1), "eNrbuRgAAhcBXQ")
	f.Add(uint8(2), "eNo76fITAAPfAgc")
	f.Add(uint8(4), readLst(f, "draft4.lst"))
	f.Add(uint8(8), "eNpjYAAAAAQAAQ")
	f.Add(uint8(1), zeros(f, 1<<16))
	f.Add(uint8(3), "")
	f.Fuzz(func(t *testing.T, bits uint8, lst string) {
		l, err := Decode(int(bits), lst)
		if err != nil {
			return
		}
		if n := len(l.Bytes()); n == 0 || n > MaxBytes {
			t.Fatalf("Decode accepted %d bytes", n)
		}
		enc, err := l.Encode()
		if err != nil {
			t.Fatalf("Encode() = %v", err)
		}
		back, err := Decode(int(bits), enc)
		if err != nil || !bytes.Equal(back.Bytes(), l.Bytes()) {
			t.Fatalf("Decode(Encode()) = %v", err)
		}
		if _, err := l.Get(l.Len() - 1); err != nil {
			t.Fatalf("Get(Len()-1) = %v", err)
		}
	})
}

// FuzzParseToken feeds ParseToken arbitrary tokens against a fixed key set:
// it must never panic, and a token it accepts must name the expected URI.
func FuzzParseToken(f *testing.F) {
	fx := newTokenFixture(f)
	now := fx.iat.Add(time.Hour)
	f.Add(fx.sign(f))
	f.Add(fx.rawJWS(f, draftHeader(), draftPayload()))
	f.Add(fx.rawJWS(f, map[string]any{"alg": "none", "typ": Typ}, draftPayload()))
	f.Add("eyJhbGciOiJFUzI1NiJ9.e30.AAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		l, info, err := ParseToken(token, fx.jwks, now, exampleURI)
		if err != nil {
			return
		}
		if l == nil || info.URI != exampleURI || info.IssuedAt.After(now.Add(ClockSkew)) {
			t.Fatalf("ParseToken accepted %+v", info)
		}
	})
}
