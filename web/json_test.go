package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
)

type decodeTarget struct {
	Name  string   `json:"name"`
	Age   int      `json:"age"`
	Tags  []string `json:"tags"`
	Inner *struct {
		OK bool `json:"ok"`
	} `json:"inner"`
}

func jsonRequest(body, contentType string, limit int64) *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if limit > 0 {
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
	}
	return r
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name, body, contentType string
		limit                   int64
		wantCode                string
		wantKey                 string
		wantField               string
	}{
		{"valid", `{"name":"a","age":3,"tags":["x"],"inner":{"ok":true}}`, "application/json", 0, "", "", ""},
		{"valid with charset and spaces", " \n{\"name\":\"a\"}\n ", "application/json; charset=UTF-8", 0, "", "", ""},
		{"missing content type", `{}`, "", 0, digitalid.EINVALID, "error.json.content_type", ""},
		{"form content type", `{}`, "application/x-www-form-urlencoded", 0, digitalid.EINVALID, "error.json.content_type", ""},
		{"other charset", `{}`, "application/json; charset=latin1", 0, digitalid.EINVALID, "error.json.content_type", ""},
		{"empty body", ``, "application/json", 0, digitalid.EINVALID, "error.json.empty", ""},
		{"only spaces", "   ", "application/json", 0, digitalid.EINVALID, "error.json.empty", ""},
		{"array", `[{"name":"a"}]`, "application/json", 0, digitalid.EINVALID, "error.json.object", ""},
		{"null", `null`, "application/json", 0, digitalid.EINVALID, "error.json.object", ""},
		{"two objects", `{"name":"a"}{"name":"b"}`, "application/json", 0, digitalid.EINVALID, "error.json.object", ""},
		{"trailing garbage", `{"name":"a"} x`, "application/json", 0, digitalid.EINVALID, "error.json.object", ""},
		{"syntax error", `{"name":}`, "application/json", 0, digitalid.EINVALID, "error.json.syntax", ""},
		{"truncated", `{"name":"a"`, "application/json", 0, digitalid.EINVALID, "error.json.syntax", ""},
		{"unknown field", `{"name":"a","admin":true}`, "application/json", 0, digitalid.EINVALID, "error.json.fields", "admin"},
		{"wrong type", `{"age":"old"}`, "application/json", 0, digitalid.EINVALID, "error.json.fields", "age"},
		{"nested wrong type", `{"inner":{"ok":"yes"}}`, "application/json", 0, digitalid.EINVALID, "error.json.fields", "inner.ok"},
		{"too large", `{"name":"` + strings.Repeat("a", 100) + `"}`, "application/json", 32, digitalid.ETOOLARGE, "error.too_large", ""},
		{"too large after object", `{"name":"a"}` + strings.Repeat(" ", 100), "application/json", 32, digitalid.ETOOLARGE, "error.too_large", ""},
		// PostgreSQL cannot hold NUL in text: refused here, in any string.
		{"NUL in a string", `{"name":"a\u0000b"}`, "application/json", 0, digitalid.EINVALID, "error.not_text", ""},
		{"NUL in a list", `{"tags":["x","\u0000"]}`, "application/json", 0, digitalid.EINVALID, "error.not_text", ""},
		{"an escaped backslash before u0000 is text", `{"name":"a\\u0000b"}`, "application/json", 0, "", "", ""},
		{"invalid UTF-8 becomes U+FFFD", "{\"name\":\"a\xffb\"}", "application/json", 0, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v decodeTarget
			err := DecodeJSON(jsonRequest(tt.body, tt.contentType, tt.limit), &v)
			if got := digitalid.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("DecodeJSON(%q) = %v, want code %q", tt.body, err, tt.wantCode)
			}
			if err == nil {
				return
			}
			var de *digitalid.Error
			if !errors.As(err, &de) || de.Key != tt.wantKey || de.Message == "" {
				t.Fatalf("DecodeJSON(%q) = %#v, want key %q and a message", tt.body, err, tt.wantKey)
			}
			if tt.wantField != "" && (len(de.Fields) != 1 || de.Fields[0].Field != tt.wantField) {
				t.Errorf("DecodeJSON(%q) fields = %+v, want one for %q", tt.body, de.Fields, tt.wantField)
			}
		})
	}
}

// FuzzDecodeJSON feeds arbitrary bodies to DecodeJSON: it must never panic,
// must fail only with EINVALID or ETOOLARGE, and what it accepts must be one
// JSON object that round-trips to the same value.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"name":"a","age":3,"tags":["x"],"inner":{"ok":true}}`, `{}`, `[]`, `null`, `{"age":1e400}`,
		`{"name":"\ud800"}`, `{"name":"\u0000"}`, "{\"tags\":[\"\xff\"]}", `{"a":1}`, `{"name":"a"}{}`, " {\"tags\":null} ", `{"age":-0}`, "\xef\xbb\xbf{}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v decodeTarget
		err := DecodeJSON(jsonRequest(body, "application/json", 4096), &v)
		if err != nil {
			if code := digitalid.ErrorCode(err); code != digitalid.EINVALID && code != digitalid.ETOOLARGE {
				t.Fatalf("DecodeJSON(%q) = %v, want EINVALID or ETOOLARGE", body, err)
			}
			return
		}
		if !json.Valid([]byte(body)) || !strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "{") {
			t.Fatalf("DecodeJSON accepted %q, which is not one JSON object", body)
		}
		if hasNUL(reflect.ValueOf(v)) {
			t.Fatalf("DecodeJSON accepted %q, which holds a NUL", body)
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", v, err)
		}
		var w decodeTarget
		if err := DecodeJSON(jsonRequest(string(again), "application/json", 0), &w); err != nil || !reflect.DeepEqual(v, w) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", body, w, err, v)
		}
	})
}
