package account_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

func TestHTTPBiometric(t *testing.T) {
	img := photo(t, 240, 240, false)
	var got map[string]string
	var gotAuth string
	var answer func(w http.ResponseWriter)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("X-Api-Key")
		got = nil
		_ = json.NewDecoder(r.Body).Decode(&got)
		answer(w)
	}))
	defer srv.Close()
	b, err := account.NewHTTPBiometric(account.HTTPBiometricConfig{URL: srv.URL, AuthHeader: "X-Api-Key", AuthValue: "s3cret", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("NewHTTPBiometric = %v", err)
	}
	req := account.MatchRequest{CitizenID: "c_abc", Challenge: "dpc_x", Image: img, MediaType: "image/png"}
	tests := []struct {
		name     string
		answer   func(w http.ResponseWriter)
		want     account.MatchResult
		wantCode string
	}{
		{"match", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`{"matched":true,"score":0.93,"liveness":true,"reason":"ok"}`))
		}, account.MatchResult{Matched: true, Score: 0.93, Liveness: true, Reason: "ok"}, ""},
		{"no match", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`{"matched":false,"score":0.2,"liveness":true,"reason":"different_face"}`))
		}, account.MatchResult{Score: 0.2, Liveness: true, Reason: "different_face"}, ""},
		{"server error", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, account.MatchResult{}, digitalid.EUNAVAILABLE},
		{"not json", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`<html>`)) }, account.MatchResult{}, digitalid.EUNAVAILABLE},
		{"no verdict", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"score":1}`)) }, account.MatchResult{}, digitalid.EUNAVAILABLE},
		{"too long", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`{"matched":true,"reason":"` + strings.Repeat("a", 70<<10) + `"}`))
		}, account.MatchResult{}, digitalid.EUNAVAILABLE},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answer = tc.answer
			res, err := b.Match(context.Background(), req)
			if tc.wantCode != "" {
				wantCode(t, "Match", err, tc.wantCode)
				return
			}
			if err != nil || res != tc.want {
				t.Fatalf("Match = %+v, %v, want %+v", res, err, tc.want)
			}
			if gotAuth != "s3cret" || got["citizen_ref"] != "c_abc" || got["challenge"] != "dpc_x" ||
				got["media_type"] != "image/png" || got["image"] != base64.StdEncoding.EncodeToString(img) {
				t.Fatalf("service received auth %q and %v, want the documented request", gotAuth, got)
			}
		})
	}
	if _, err := account.NewHTTPBiometric(account.HTTPBiometricConfig{URL: "ftp://x"}); err == nil {
		t.Fatalf("NewHTTPBiometric(ftp URL) = nil error")
	}
}

func TestCheckImage(t *testing.T) {
	tests := []struct {
		name string
		img  []byte
		want string // media type, or error code
	}{
		{"png photo", photo(t, 240, 320, false), "image/png"},
		{"jpeg blank", uniform(t, 300, 300, true), digitalid.EINVALID},
		{"png blank", uniform(t, 300, 300, false), digitalid.EINVALID},
		{"too narrow", photo(t, 199, 300, false), digitalid.EINVALID},
		{"too large side", photo(t, 4001, 200, false), digitalid.EINVALID},
		{"too many bytes", make([]byte, account.MaxImageBytes+1), digitalid.ETOOLARGE},
		{"text", []byte("hello"), digitalid.EINVALID},
		{"empty", nil, digitalid.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt, err := account.CheckImage(tc.img)
			if got := mt + digitalid.ErrorCode(err); got != tc.want {
				t.Fatalf("CheckImage(%s) = %q, %v, want %q", tc.name, mt, err, tc.want)
			}
		})
	}
}

// FuzzCheckImage: any bytes give a media type or a typed error, never a
// panic, and an accepted image is within the limits.
func FuzzCheckImage(f *testing.F) {
	f.Add(photo(f, 200, 200, false))
	f.Add(uniform(f, 200, 200, true))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xff, 0xd8, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		mt, err := account.CheckImage(b)
		if err != nil {
			if c := digitalid.ErrorCode(err); c != digitalid.EINVALID && c != digitalid.ETOOLARGE {
				t.Fatalf("CheckImage = %v, want EINVALID or ETOOLARGE", err)
			}
			return
		}
		if mt != "image/png" && mt != "image/jpeg" {
			t.Fatalf("CheckImage accepted media type %q", mt)
		}
	})
}
