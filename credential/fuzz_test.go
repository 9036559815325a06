package credential_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/credential"
)

// FuzzParseHolderKeys feeds the holder_keys array of an issuance request:
// it must accept only public P-256 points and refuse the rest with
// EINVALID, never panic.
func FuzzParseHolderKeys(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good, _ := json.Marshal(map[string]string{"kty": "EC", "crv": "P-256",
		"x": b64(k.PublicKey.X.FillBytes(make([]byte, 32))), "y": b64(k.PublicKey.Y.FillBytes(make([]byte, 32)))})
	for _, s := range []string{
		"[" + string(good) + "]",
		"[" + string(good) + "," + string(good) + "]",
		`[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]`,
		`[{"kty":"EC","crv":"P-384","x":"","y":""}]`,
		`[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]`,
		`[{"kty":"oct","k":"AAAA"}]`,
		`[null]`, `[1]`, `["x"]`, `[]`, `[{}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw []json.RawMessage
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		keys, err := credential.ParseHolderKeys(raw)
		if err != nil {
			if digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Fatalf("ParseHolderKeys(%q) = %v, want EINVALID", data, err)
			}
			return
		}
		if len(keys) != len(raw) || len(keys) == 0 || len(keys) > credential.MaxBatch {
			t.Fatalf("ParseHolderKeys(%q) = %d keys of %d", data, len(keys), len(raw))
		}
		for _, k := range keys {
			if k.Curve != elliptic.P256() || !k.Curve.IsOnCurve(k.X, k.Y) {
				t.Fatalf("ParseHolderKeys(%q) accepted a key off P-256", data)
			}
		}
	})
}

// FuzzParseListID feeds the {list} of /status/{list}.
func FuzzParseListID(f *testing.F) {
	for _, s := range []string{"1", "0", "-1", "01", "9223372036854775808", "1e3", " 1", "١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := credential.ParseListID(s)
		if err != nil {
			if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
				t.Fatalf("ParseListID(%q) = %v, want ENOTFOUND", s, err)
			}
			return
		}
		if id <= 0 || strconv.FormatInt(id, 10) != s {
			t.Fatalf("ParseListID(%q) = %d", s, id)
		}
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
