package verify

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParsePayload(t *testing.T) {
	const p = "eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJ4In0.c2ln~WyJzIiwiYSIsdHJ1ZV0~eyJ0eXAiOiJrYitqd3QifQ.e30.c2ln"
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"prefixed", "DID1:" + p, p, nil},
		{"prefix lower case", "did1:" + p, p, nil},
		{"bare presentation", p, p, nil},
		{"scanner newline", "DID1:" + p + "\r\n", p, nil},
		{"plain SD-JWT without KB", "DID1:a.b.c~", "a.b.c~", nil},
		{"later version", "DID2:" + p, "", ErrPayloadVersion},
		{"two-digit version", "did10:" + p, "", ErrPayloadVersion},
		{"prefix only", "DID1:", "", ErrPayload},
		{"no tilde", "DID1:a.b.c", "", ErrPayload},
		{"online handle URL", "https://id.example/h/abc", "", ErrPayload},
		{"space inside", "DID1:a.b.c ~d", "", ErrPayload},
		{"non-ASCII", "DID1:a.b.c~é", "", ErrPayload},
		{"padding", "DID1:a.b.c=~", "", ErrPayload},
		{"double prefix", "DID1:DID1:" + p, "", ErrPayload},
		{"too large", "DID1:" + strings.Repeat("a~", MaxPayloadLen), "", ErrPayloadSize},
		{"empty", "", "", ErrPayload},
	}
	for _, tt := range tests {
		got, err := ParsePayload(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ParsePayload(%s) = %.30q, %v; want %.30q, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
	if got, err := ParsePayload(FormatPayload(p)); got != p || err != nil {
		t.Errorf("ParsePayload(FormatPayload(p)) = %q, %v", got, err)
	}
}

// FuzzParsePayload: never a panic; what is accepted is a string of the
// presentation alphabet with a "~", no longer than the input.
func FuzzParsePayload(f *testing.F) {
	f.Add("DID1:eyJhbGciOiJFUzI1NiJ9.e30.c2ln~WyJzIiwiYSIsdHJ1ZV0~eyJ0eXAiOiJrYitqd3QifQ.e30.c2ln")
	f.Add("did1:a.b.c~")
	f.Add("DID2:a~")
	f.Add("DID1:")
	f.Add(" \t\n")
	f.Fuzz(func(t *testing.T, payload string) {
		p, err := ParsePayload(payload)
		if err != nil {
			if p != "" {
				t.Fatalf("ParsePayload(%q) = %q with error %v", payload, p, err)
			}
			return
		}
		if !strings.Contains(p, "~") || len(p) > len(payload) || len(payload) > MaxPayloadLen {
			t.Fatalf("ParsePayload(%q) = %q", payload, p)
		}
		for i := range len(p) {
			if !presentationByte(p[i]) {
				t.Fatalf("ParsePayload(%q) kept byte %q", payload, p[i])
			}
		}
		_ = headerKid(p)
	})
}

// FuzzVerify runs whole verifications of mutated presentations against a
// warm verifier: never a panic, and never a Valid result that shows more
// than the purpose.
func FuzzVerify(f *testing.F) {
	is := newIssuer(f)
	cfg := is.config()
	cfg.StatusLists = []string{is.status}
	v := is.verifier(cfg)
	if err := v.Prefetch(context.Background()); err != nil {
		f.Fatal(err)
	}
	is.down.Store(true)
	f.Add(is.ageOver18())
	f.Add(is.present(is.credential(nil), "age_over_18", 0, "age_over_18", "given_name"))
	f.Add(is.present(is.credential(nil), "age_over_18", 0))
	f.Fuzz(func(t *testing.T, payload string) {
		r := verify(v, payload)
		if r.Outcome == "" || r.Outcome != Valid && r.Reason == "" {
			t.Fatalf("Verify = %+v", r)
		}
		if r.Valid() && (len(r.Claims) != 1 || r.Claims["age_over_18"] != true) {
			t.Fatalf("Verify = Valid with claims %v", r.Claims)
		}
	})
}
