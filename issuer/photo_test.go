package issuer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/digitalid/digitalid"
)

func TestPhotoClaim(t *testing.T) {
	sum := sha256.Sum256([]byte("photo"))
	h := hex.EncodeToString(sum[:])
	for _, c := range []struct {
		name, payload, wantFields, wantClaim string
		present, bad                         bool
	}{
		{name: "none", payload: `{"a":1}`, wantFields: `{"a":1}`},
		{name: "not an object", payload: `[1,"photo_sha256"]`, wantFields: `[1,"photo_sha256"]`},
		{name: "in a value only", payload: `{"a":"photo_sha256"}`, wantFields: `{"a":"photo_sha256"}`},
		{name: "claim", payload: `{"a":1,"photo_sha256":"` + h + `","b":[2,{"c":3}],"a":4}`, wantFields: `{"a":1,"b":[2,{"c":3}],"a":4}`, wantClaim: h, present: true},
		{name: "twice", payload: `{"photo_sha256":"` + h + `","photo_sha256":"` + h + `"}`, bad: true},
		{name: "not a string", payload: `{"photo_sha256":1}`, bad: true},
		{name: "truncated", payload: `{"photo_sha256":"x",`, wantFields: `{"photo_sha256":"x",`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fields, claim, present, err := photoClaim([]byte(c.payload))
			if c.bad {
				if digitalid.ErrorCode(err) != digitalid.EINVALID {
					t.Errorf("photoClaim = %v, want EINVALID", err)
				}
				return
			}
			if err != nil || string(fields) != c.wantFields || claim != c.wantClaim || present != c.present {
				t.Errorf("photoClaim = %s, %q, %v, %v; want %s, %q, %v", fields, claim, present, err, c.wantFields, c.wantClaim, c.present)
			}
		})
	}
	for _, c := range []struct {
		name    string
		photo   []byte
		claim   string
		present bool
		code    string // field code, "" for none
	}{
		{"neither", nil, "", false, ""},
		{"match", []byte("photo"), h, true, ""},
		{"upper-case hex", []byte("photo"), "" + hexUpper(h), true, ""},
		{"mismatch", []byte("other"), h, true, "mismatch"},
		{"unsigned", []byte("photo"), "", false, "unsigned"},
		{"named, not sent", nil, h, true, "required"},
	} {
		err := checkPhotoClaim(c.photo, c.claim, c.present)
		var de *digitalid.Error
		got := ""
		if err != nil {
			de = err.(*digitalid.Error)
			got = de.Fields[0].Code
			if de.Fields[0].Field != "photo" {
				t.Errorf("%s: field %q, want photo", c.name, de.Fields[0].Field)
			}
		}
		if got != c.code {
			t.Errorf("%s: checkPhotoClaim = %v, want code %q", c.name, err, c.code)
		}
	}
}

func hexUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// FuzzPhotoClaim feeds arbitrary payloads to the photo claim split: it must
// never panic, what it returns without the claim is valid JSON when the
// claim was present, and it never returns a payload still naming it.
func FuzzPhotoClaim(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"photo_sha256":"ab","a":[1]}`, `{"photo_sha256":1}`, `[`, `{"photo_sha256":"x","photo_sha256":"y"}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fields, _, present, err := photoClaim(b)
		if err != nil || !present {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(fields, &m); err != nil {
			t.Fatalf("fields %q are not a JSON object: %v", fields, err)
		}
		if _, ok := m[PhotoClaim]; ok {
			t.Fatalf("fields %q still name the claim", fields)
		}
	})
}
