package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSignUpWithOutbox follows the README: a citizen signs up against the
// running binary, and the one-time code is read with `digitalid sms outbox`.
func TestSignUpWithOutbox(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, nil)
	const phone = "+77015550123"
	post := func(path, token string, body any, want int) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("POST %s = %d %s, want %d", path, resp.StatusCode, raw, want)
		}
		out := map[string]any{}
		json.Unmarshal(raw, &out)
		return out
	}
	post("/api/v1/auth/otp", "", map[string]string{"phone": phone, "purpose": "signup", "lang": "en"}, 202)
	code, out := runCLI(t, dir, nil, "sms", "outbox", "--to", phone)
	otp := regexp.MustCompile(`\b\d{6}\b`).FindString(out)
	if code != 0 || otp == "" {
		t.Fatalf("digitalid sms outbox --to %s = %d, no code in:\n%s", phone, code, out)
	}
	proof := post("/api/v1/auth/otp/verify", "", map[string]string{"phone": phone, "purpose": "signup", "code": otp}, 200)["proof"]
	signed := post("/api/v1/auth/signup", "", map[string]any{"proof": proof, "pin": "2791", "device_name": "CLI"}, 201)
	token, _ := signed["session_token"].(string)
	req, _ := http.NewRequest("GET", s.url+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"phone_masked":"+7 *** *** 01 23"`) {
		t.Fatalf("GET /api/v1/me = %d %s", resp.StatusCode, body)
	}
	if status, page := s.get(t, "/signup"); status != 200 || !strings.Contains(page, `action="/signup/phone"`) {
		t.Errorf("GET /signup = %d, want the sign-up form", status)
	}
	s.stop(t)
	if logs := s.logs.String(); strings.Contains(logs, otp) || strings.Contains(logs, token) || strings.Contains(logs, phone[1:]) {
		t.Errorf("server logs hold the code, the session token or the phone number:\n%s", logs)
	}
}

// TestPurgeAccountsStops checks the purge loop of serve runs at once and
// ends when its context is cancelled.
func TestPurgeAccountsStops(t *testing.T) {
	a := testApp(t, nil, "--data-dir", filepath.Join(t.TempDir(), "data"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		purgeAccounts(ctx, a, time.Hour)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("purgeAccounts did not return after its context was cancelled")
	}
}
