package web

import (
	"strings"
	"testing"
)

func TestStaticAssets(t *testing.T) {
	ts := newServer(t, nil)
	hashed, err := ts.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hashed, "/static/app.") || hashed == "/static/app.css" {
		t.Fatalf("asset URL = %q, want a hashed name", hashed)
	}
	rec := ts.get(t, hashed)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(rec.Body.String(), "--accent") {
		t.Fatalf("GET %s = %d %q", hashed, rec.Code, rec.Header().Get("Content-Type"))
	}
	etag := rec.Header().Get("ETag")
	if rec := ts.get(t, "/static/app.css", "If-None-Match: "+etag); rec.Code != 304 {
		t.Errorf("GET /static/app.css with If-None-Match %s = %d, want 304", etag, rec.Code)
	}
	if rec := ts.get(t, "/static/favicon.svg"); rec.Code != 200 || rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET favicon = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, missing := range []string{"/static/nope.css", "/static/", "/static/../openapi.json"} {
		if rec := ts.get(t, missing); rec.Code != 404 && rec.Code != 307 {
			t.Errorf("GET %s = %d, want 404 (or a redirect to the clean path)", missing, rec.Code)
		}
	}
	if _, err := ts.assets.url("nope.css"); err == nil {
		t.Error("assets.url(nope.css) succeeded")
	}
}
