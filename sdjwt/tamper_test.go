package sdjwt

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// split cuts a presentation into its SD-JWT part (ending in "~") and KB-JWT.
func split(p string) (sdPart, kb string) {
	i := strings.LastIndexByte(p, '~')
	return p[:i+1], p[i+1:]
}

// kbFor signs a KB-JWT over sdPart with arbitrary claims and typ, the way an
// attacker holding the device key (or a buggy wallet) could.
func (f *fixture) kbFor(t testing.TB, typ string, claims map[string]any) string {
	t.Helper()
	body, _ := json.Marshal(claims)
	jwt, err := signCompact(f.holder, "", typ, "", body)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

func (f *fixture) kbClaims(sdPart string) map[string]any {
	return map[string]any{"iat": f.now.Unix(), "aud": testAud, "nonce": testNonce, "sd_hash": digest(sdPart)}
}

// rawCredential signs payload as the Issuer and appends Disclosures, for the
// malformed credentials an honest Issue never makes.
func (f *fixture) rawCredential(t testing.TB, payload map[string]any, discs ...*Disclosure) string {
	t.Helper()
	sd := &SDJWT{IssuerJWT: f.signJWT(t, payload), Disclosures: discs}
	return sd.sdPart()
}

// basePayload is a valid SD-JWT VC payload without `_sd`.
func (f *fixture) basePayload() map[string]any {
	return map[string]any{
		"iss": "https://id.example", "vct": "https://id.example/vct/person",
		"iat": f.now.Add(-time.Hour).Unix(), "exp": f.now.Add(time.Hour).Unix(),
		"cnf": map[string]any{"jwk": jose.JSONWebKey{Key: &f.holder.PublicKey}},
	}
}

// withKB appends a valid KB-JWT to an SD-JWT part.
func (f *fixture) withKB(t testing.TB, sdPart string) string {
	return sdPart + f.kbFor(t, TypKB, f.kbClaims(sdPart))
}

// TestTamper is the tamper corpus: each altered presentation is refused
// with its own reason.
func TestTamper(t *testing.T) {
	f := newFixture(t)
	sd := f.issue(t)
	good := f.present(t, sd, Select(Path{"age_over_18"}))
	goodSD, goodKB := split(good)
	age := sd.Disclosures[indexOf(t, sd, "age_over_18")]
	given := sd.Disclosures[indexOf(t, sd, "given_name")]
	// A payload with a repeated member name can only be written by hand.
	dupMember := f.withKB(t, f.rawJSON(t, `{"iss":"https://id.example","vct":"a","vct":"b"}`))

	tests := []struct {
		name string
		p    string
		opts func(*VerifyOptions)
		want *Error
	}{
		{name: "changed disclosure", want: ErrUnreferencedDisclosure,
			p: strings.Replace(good, age.Encoded, mustDisclosure(t, age.Salt, "age_over_18", false).Encoded, 1)},
		{name: "forged extra disclosure", want: ErrUnreferencedDisclosure,
			p: f.withKB(t, goodSD+mustDisclosure(t, "c2FsdHNhbHRzYWx0", "given_name", "Eve").Encoded+"~")},
		{name: "issued disclosure added after key binding", want: ErrSDHash,
			p: goodSD + given.Encoded + "~" + goodKB},
		{name: "duplicated disclosure", want: ErrDuplicateDisclosure,
			p: f.withKB(t, goodSD+age.Encoded+"~")},
		{name: "removed key binding", want: ErrNoKeyBinding, p: goodSD},
		{name: "KB-JWT typ JWT", want: ErrKBTyp, p: goodSD + f.kbFor(t, "JWT", f.kbClaims(goodSD))},
		{name: "Issuer typ", want: ErrTyp, p: good, opts: func(o *VerifyOptions) { o.ExpectedTyp = "example+sd-jwt" }},
		{name: "wrong nonce", want: ErrNonce, p: good, opts: func(o *VerifyOptions) { o.Nonce = "other" }},
		{name: "wrong aud", want: ErrAud, p: good, opts: func(o *VerifyOptions) { o.Aud = "https://other.example" }},
		{name: "aud array", want: ErrAud, p: goodSD + f.kbFor(t, TypKB, with(f.kbClaims(goodSD), "aud", []string{testAud}))},
		{name: "stale iat", want: ErrKBStale, p: good, opts: func(o *VerifyOptions) { o.Now = func() time.Time { return f.now.Add(36 * time.Second) } }},
		{name: "future iat", want: ErrKBFuture, p: good, opts: func(o *VerifyOptions) { o.Now = func() time.Time { return f.now.Add(-6 * time.Second) } }},
		{name: "missing iat", want: ErrKBIat, p: goodSD + f.kbFor(t, TypKB, without(f.kbClaims(goodSD), "iat"))},
		{name: "sd_hash of another presentation", want: ErrSDHash, p: goodSD + f.kbFor(t, TypKB, f.kbClaims(sd.sdPart()))},
		{name: "sd_hash without trailing ~", want: ErrSDHash, p: goodSD + f.kbFor(t, TypKB, f.kbClaims(strings.TrimSuffix(goodSD, "~")))},
		{name: "KB-JWT by another key", want: ErrKBSignature, p: goodSD + otherKB(t, goodSD, f)},
		{name: "KB-JWT alg none", want: ErrAlg, p: goodSD + unsigned(`{"alg":"none","typ":"kb+jwt"}`, f.kbClaims(goodSD))},
		{name: "Issuer alg none", want: ErrAlg, p: unsigned(`{"alg":"none","typ":"dc+sd-jwt"}`, f.basePayload()) + "~",
			opts: func(o *VerifyOptions) { o.RequireKeyBinding = false }},
		{name: "Issuer alg HS256", want: ErrAlg, p: unsigned(`{"alg":"HS256","typ":"dc+sd-jwt","kid":"k1"}`, f.basePayload()) + "c2ln~",
			opts: func(o *VerifyOptions) { o.RequireKeyBinding = false }},
		{name: "wrong issuer key", want: ErrSignature, p: good, opts: func(o *VerifyOptions) {
			o.IssuerKeys = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &newKey(t).PublicKey, KeyID: testKid}}}
		}},
		{name: "unknown kid", want: ErrUnknownKey, p: good, opts: func(o *VerifyOptions) {
			o.IssuerKeys = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.issuer.PublicKey, KeyID: "k2"}}}
		}},
		{name: "wrong iss", want: ErrIssuer, p: good, opts: func(o *VerifyOptions) { o.Issuer = "https://other.example" }},
		{name: "expired", want: ErrExpired, p: good, opts: func(o *VerifyOptions) {
			o.Now = func() time.Time { return f.now.Add(25 * time.Hour) }
		}},
		{name: "not yet valid", want: ErrNotYetValid, p: f.withKB(t, f.rawCredential(t, with(f.basePayload(), "nbf", f.now.Add(time.Minute).Unix())))},
		{name: "issued in the future", want: ErrIssuedInFuture, p: f.withKB(t, f.rawCredential(t, with(f.basePayload(), "iat", f.now.Add(time.Minute).Unix())))},
		{name: "claim overwrite", want: ErrClaimOverwrite, p: f.withKB(t, f.rawCredential(t,
			with(with(f.basePayload(), "given_name", "Erika"), "_sd", []string{given.Digest}), given))},
		{name: "two disclosures of one name", want: ErrClaimOverwrite, p: f.withKB(t, f.rawCredential(t,
			with(f.basePayload(), "_sd", []string{given.Digest, mustDisclosure(t, "c2FsdA", "given_name", "Eve").Digest}),
			given, mustDisclosure(t, "c2FsdA", "given_name", "Eve")))},
		{name: "unsupported _sd_alg", want: ErrBadSDAlg, p: f.withKB(t, f.rawCredential(t, with(f.basePayload(), "_sd_alg", "sha-512")))},
		{name: "nested _sd_alg", want: ErrBadSDAlg, p: f.withKB(t, f.rawCredential(t, with(f.basePayload(), "address", map[string]any{"_sd_alg": "sha-256"})))},
		{name: "duplicate digest", want: ErrDuplicateDigest, p: f.withKB(t, f.rawCredential(t,
			with(f.basePayload(), "_sd", []string{age.Digest, age.Digest}), age))},
		{name: "duplicate undisclosed digest", want: ErrDuplicateDigest, p: f.withKB(t, f.rawCredential(t,
			with(with(f.basePayload(), "_sd", []string{given.Digest}), "list", []any{map[string]any{"...": given.Digest}})))},
		{name: "array disclosure in _sd", want: ErrDisclosureMisplaced, p: f.withKB(t, f.rawCredential(t,
			with(f.basePayload(), "_sd", []string{mustDisclosure(t, "c2FsdA", "DE").Digest}), mustDisclosure(t, "c2FsdA", "DE")))},
		{name: "property disclosure in array", want: ErrDisclosureMisplaced, p: f.withKB(t, f.rawCredential(t,
			with(f.basePayload(), "list", []any{map[string]any{"...": given.Digest}}), given))},
		{name: "disclosure named _sd", want: ErrReservedClaimName, p: f.withKB(t, goodSD+mustDisclosure(t, "c2FsdA", "_sd", []string{}).Encoded+"~")},
		{name: "disclosure named ...", want: ErrReservedClaimName, p: f.withKB(t, goodSD+mustDisclosure(t, "c2FsdA", "...", "x").Encoded+"~")},
		{name: "disclosure salt not a string", want: ErrBadDisclosure, p: f.withKB(t, goodSD+mustDisclosure(t, 7, "x", "y").Encoded+"~")},
		{name: "disclosure of four elements", want: ErrBadDisclosure, p: f.withKB(t, goodSD+mustDisclosure(t, "s", "x", "y", "z").Encoded+"~")},
		{name: "disclosure not base64url", want: ErrBadDisclosure, p: f.withKB(t, goodSD+"WyJz+Il0~")},
		{name: "empty disclosure", want: ErrBadDisclosure, p: f.withKB(t, goodSD+"~")},
		{name: "exp disclosed in an SD-JWT VC", want: ErrProtectedClaim, p: f.withKB(t, f.rawCredential(t,
			with(without(f.basePayload(), "exp"), "_sd", []string{mustDisclosure(t, "c2FsdA", "exp", 1).Digest}), mustDisclosure(t, "c2FsdA", "exp", 1)))},
		{name: "vct missing", want: ErrMissingClaim, p: f.withKB(t, f.rawCredential(t, without(f.basePayload(), "vct")))},
		{name: "cnf missing", want: ErrNoHolderKey, p: f.withKB(t, f.rawCredential(t, without(f.basePayload(), "cnf")))},
		{name: "_sd not an array", want: ErrMalformed, p: f.withKB(t, f.rawCredential(t, with(f.basePayload(), "_sd", "x")))},
		{name: "duplicate JSON member", want: ErrMalformed, p: dupMember},
		{name: "too large", want: ErrTooLarge, p: good, opts: func(o *VerifyOptions) { o.Limits.MaxSize = 100 }},
		{name: "too many disclosures", want: ErrTooManyDisclosures, p: f.present(t, sd, Select(Path{})), opts: func(o *VerifyOptions) { o.Limits.MaxDisclosures = 2 }},
		{name: "too deep", want: ErrTooDeep, p: good, opts: func(o *VerifyOptions) { o.Limits.MaxDepth = 2 }},
		{name: "no ~ at all", want: ErrMalformed, p: strings.SplitN(good, "~", 2)[0]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := f.verifyOpts()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			v, err := Verify(tt.p, opts)
			if v != nil {
				t.Errorf("Verify returned claims with error %v", err)
			}
			wantErr(t, "Verify("+tt.name+")", err, tt.want)
		})
	}
	if _, err := Verify(good, f.verifyOpts()); err != nil {
		t.Fatalf("Verify(untampered) = %v", err)
	}
}

func indexOf(t testing.TB, sd *SDJWT, name string) int {
	t.Helper()
	for i, d := range sd.Disclosures {
		if d.Name == name {
			return i
		}
	}
	t.Fatalf("no Disclosure named %q", name)
	return -1
}

func with(m map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for key, val := range m {
		c[key] = val
	}
	c[k] = v
	return c
}

func without(m map[string]any, k string) map[string]any {
	c := with(m, k, nil)
	delete(c, k)
	return c
}

// unsigned builds a JWS with the given header and an empty signature.
func unsigned(header string, payload any) string {
	body, _ := json.Marshal(payload)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc(body) + "."
}

// otherKB is a well-formed KB-JWT signed by a key that is not cnf.jwk.
func otherKB(t testing.TB, sdPart string, f *fixture) string {
	other := *f
	other.holder = newKey(t)
	return other.kbFor(t, TypKB, f.kbClaims(sdPart))
}

// rawJSON signs a literal payload, for JSON that encoding/json never writes.
func (f *fixture) rawJSON(t testing.TB, payload string) string {
	t.Helper()
	jwt, err := signCompact(f.issuer, "", TypVC, testKid, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return jwt + "~"
}
