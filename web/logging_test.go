package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestSensitiveKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"pin", true}, {"PIN", true}, {"new_pin", true}, {"otp", true}, {"otpCode", true}, {"code", true},
		{"access_token", true}, {"refreshToken", true}, {"id_token", true}, {"password", true}, {"userPassword", true},
		{"client_secret", true}, {"Authorization", true}, {"cookie", true}, {"Set-Cookie", true},
		{"phone", true}, {"phone_number", true}, {"msisdn", true}, {"name", true}, {"first_name", true},
		{"lastName", true}, {"full_name", true}, {"passport", true}, {"passport_series", true}, {"snils", true},
		{"inn", true}, {"IIN", true}, {"document_number", true}, {"documentNumber", true}, {"birth_date", true},
		{"email", true}, {"private_key", true}, {"api-key", true}, {"session", true},
		{"method", false}, {"route", false}, {"status", false}, {"bytes", false}, {"duration", false},
		{"request_id", false}, {"client_ip", false}, {"problem", false}, {"err", false}, {"kid", false},
		{"key_id", false}, {"document_type", false}, {"citizen_id", false}, {"count", false}, {"winner", false},
		{"pinned", false}, {"filename", false}, {"addr", false}, {"version", false},
	}
	for _, tt := range tests {
		if got := SensitiveKey(tt.key); got != tt.want {
			t.Errorf("SensitiveKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

// citizen logs itself with its name, as a careless LogValue might.
type citizen struct{ name string }

func (c citizen) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", "c-1"), slog.String("full_name", c.name))
}

// token resolves to a bare string under an innocent key.
type token string

func (t token) LogValue() slog.Value { return slog.StringValue(string(t)) }

func TestRedactingHandler(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, "json", slog.LevelDebug)
	log = log.With("otp", "493817", "route", "GET /x")
	log.Info("event",
		"pin", "7391",
		slog.Group("user", "phone", "+77011234567", "status", "active"),
		"who", citizen{name: "Aigerim Nurlanovna"},
		"bearer", token("eyJhbGciOi"),
		slog.Group("", "password", "hunter2"),
		"count", 3,
	)
	log.WithGroup("passport").Info("scanned", "series", "N1234567", "issued", "2019")
	out := buf.String()
	for _, secret := range []string{"493817", "7391", "+77011234567", "Aigerim", "eyJhbGciOi", "hunter2", "N1234567", "2019"} {
		if strings.Contains(out, secret) {
			t.Errorf("log output contains %q:\n%s", secret, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"route": "GET /x", "count": float64(3), "pin": Redacted, "otp": Redacted, "bearer": Redacted, "password": Redacted,
	}
	for k, v := range checks {
		if first[k] != v {
			t.Errorf("%s = %v, want %v", k, first[k], v)
		}
	}
	if u, _ := first["user"].(map[string]any); u["status"] != "active" || u["phone"] != Redacted {
		t.Errorf("user group = %v, want status kept and phone redacted", first["user"])
	}
	if w, _ := first["who"].(map[string]any); w["id"] != "c-1" || w["full_name"] != Redacted {
		t.Errorf("who = %v, want id kept and full_name redacted", first["who"])
	}
}

func TestNewLoggerFormats(t *testing.T) {
	var j, txt bytes.Buffer
	NewLogger(&j, "json", slog.LevelInfo).Info("hello", "k", "v")
	NewLogger(&txt, "text", slog.LevelInfo).Info("hello", "k", "v")
	NewLogger(&txt, "text", slog.LevelInfo).Debug("hidden")
	if !json.Valid(j.Bytes()) {
		t.Errorf("json logger wrote %q", j.String())
	}
	if !strings.Contains(txt.String(), "msg=hello k=v") || strings.Contains(txt.String(), "hidden") {
		t.Errorf("text logger wrote %q", txt.String())
	}
}
