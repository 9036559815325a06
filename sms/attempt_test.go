package sms

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 120 ", 2 * time.Minute, true},
		{"99999999999999999999", 1e9 * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"tomorrow", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %t; want %v, %t", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseGatewayID(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"id":"gw-1.a:b_C"}`, "gw-1.a:b_C"},
		{`{"id":"gw-1","status":"queued"}`, "gw-1"},
		{`{"id":42}`, ""},
		{`{"id":"has space"}`, ""},
		{`{"id":"line\nbreak"}`, ""},
		{`{"id":"` + strings.Repeat("a", 129) + `"}`, ""},
		{`OK`, ""},
		{``, ""},
	} {
		if got := parseGatewayID([]byte(tc.body)); got != tc.want {
			t.Errorf("parseGatewayID(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status     int
		retryAfter string
		ok         bool
		code       string // "" with !ok: retry
		wait       time.Duration
	}{
		{200, "", true, "", 0},
		{204, "", true, "", 0},
		{409, "", true, "", 0},
		{408, "", false, "", 0},
		{429, "3", false, "", 3 * time.Second},
		{503, "3", false, "", 3 * time.Second},
		{500, "3", false, "", 0}, // Retry-After only counts on 429 and 503
		{599, "", false, "", 0},
		{400, "", false, digitalid.EINVALID, 0},
		{413, "", false, digitalid.EINVALID, 0},
		{422, "", false, digitalid.EINVALID, 0},
		{401, "", false, digitalid.EUNAVAILABLE, 0},
		{403, "", false, digitalid.EUNAVAILABLE, 0},
		{404, "", false, digitalid.EUNAVAILABLE, 0},
		{301, "", false, digitalid.EUNAVAILABLE, 0},
		{101, "", false, digitalid.EUNAVAILABLE, 0},
	} {
		o := classify(tc.status, tc.retryAfter, nil, now)
		if (o.err == nil) != tc.ok || o.code != tc.code || o.retryAfter != tc.wait || o.status != tc.status {
			t.Errorf("classify(%d, %q) = %+v; want ok %t, code %q, wait %v", tc.status, tc.retryAfter, o, tc.ok, tc.code, tc.wait)
		}
	}
}

// FuzzParseRetryAfter: a gateway's Retry-After header is outside input.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "99999999999999999999", "Sun, 22 Nov 2026 09:01:30 GMT", "Sunday, 22-Nov-26 09:00:00 GMT", "-1", "1e3", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, now)
		if d < 0 {
			t.Errorf("parseRetryAfter(%q) = %v, a negative wait", s, d)
		}
		if !ok && d != 0 {
			t.Errorf("parseRetryAfter(%q) = %v, false; want 0 when unreadable", s, d)
		}
	})
}

// FuzzParseGatewayID: a gateway's response body is outside input, and the id
// it yields reaches a log line.
func FuzzParseGatewayID(f *testing.F) {
	for _, s := range []string{`{"id":"gw-1"}`, `{"id":42}`, `{"id":"a\u0000b"}`, `[]`, `null`, `{"id":"` + strings.Repeat("x", 200) + `"}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id := parseGatewayID(b)
		if id == "" {
			return
		}
		if len(id) > 128 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") != "" {
			t.Errorf("parseGatewayID(%q) = %q, outside the allowed alphabet or length", b, id)
		}
	})
}
