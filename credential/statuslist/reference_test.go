package statuslist

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseReference(t *testing.T) {
	decode := func(s string) map[string]any {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name   string
		claims string
		want   Reference
		err    error
	}{
		{"draft example", `{"status":{"status_list":{"idx":0,"uri":"https://example.com/statuslists/1"}}}`, Reference{0, exampleURI}, nil},
		{"large index", `{"status":{"status_list":{"idx":1048575,"uri":"https://id.example.gov/sl/17"},"other":{}}}`, Reference{1048575, "https://id.example.gov/sl/17"}, nil},
		{"no status", `{"iss":"x"}`, Reference{}, ErrMissingClaim},
		{"status without status_list", `{"status":{"other":{}}}`, Reference{}, ErrMissingClaim},
		{"negative idx", `{"status":{"status_list":{"idx":-1,"uri":"https://e/1"}}}`, Reference{}, ErrMalformed},
		{"fractional idx", `{"status":{"status_list":{"idx":1.5,"uri":"https://e/1"}}}`, Reference{}, ErrMalformed},
		{"string idx", `{"status":{"status_list":{"idx":"1","uri":"https://e/1"}}}`, Reference{}, ErrMalformed},
		{"idx beyond any list", `{"status":{"status_list":{"idx":1e12,"uri":"https://e/1"}}}`, Reference{}, ErrMalformed},
		{"relative uri", `{"status":{"status_list":{"idx":1,"uri":"/sl/1"}}}`, Reference{}, ErrMalformed},
		{"no uri", `{"status":{"status_list":{"idx":1}}}`, Reference{}, ErrMalformed},
	}
	for _, tt := range tests {
		got, err := ParseReference(decode(tt.claims))
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseReference(%s) = %+v, %v; want %+v, %v", tt.claims, got, err, tt.want, tt.err)
		}
	}
	r := Reference{Idx: 7, URI: exampleURI}
	b, _ := json.Marshal(map[string]any{"status": r.Claim()})
	if got, err := ParseReference(decode(string(b))); err != nil || got != r {
		t.Errorf("ParseReference(Claim()) = %+v, %v; want %+v", got, err, r)
	}
}
