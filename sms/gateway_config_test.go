package sms_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/sms"
)

func TestNewGateway(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sms.GatewayConfig
		ok   bool
	}{
		{"https", sms.GatewayConfig{URL: "https://sms.example.kz/v1/send"}, true},
		{"http to loopback", sms.GatewayConfig{URL: "http://127.0.0.1:9000/send"}, true},
		{"http to localhost", sms.GatewayConfig{URL: "http://localhost:9000/send"}, true},
		{"http to ::1", sms.GatewayConfig{URL: "http://[::1]:9000/send"}, true},
		{"http allowed", sms.GatewayConfig{URL: "http://sms.internal/send", AllowHTTP: true}, true},
		{"auth value alone", sms.GatewayConfig{URL: "https://gw", AuthValue: "Bearer x"}, true},
		{"all bounds", sms.GatewayConfig{URL: "https://gw", Timeout: time.Second, MaxAttempts: 10, BackoffBase: time.Millisecond}, true},
		{"http to a remote host", sms.GatewayConfig{URL: "http://sms.example.kz/send"}, false},
		{"empty URL", sms.GatewayConfig{}, false},
		{"relative URL", sms.GatewayConfig{URL: "/send"}, false},
		{"ftp", sms.GatewayConfig{URL: "ftp://gw/send"}, false},
		{"credentials in URL", sms.GatewayConfig{URL: "https://user:pw@gw/send"}, false},
		{"header without value", sms.GatewayConfig{URL: "https://gw", AuthHeader: "X-API-Key"}, false},
		{"bad header name", sms.GatewayConfig{URL: "https://gw", AuthHeader: "X API Key", AuthValue: "v"}, false},
		{"header value with newline", sms.GatewayConfig{URL: "https://gw", AuthValue: "v\r\nX-Evil: 1"}, false},
		{"negative timeout", sms.GatewayConfig{URL: "https://gw", Timeout: -time.Second}, false},
		{"negative backoff", sms.GatewayConfig{URL: "https://gw", BackoffBase: -1}, false},
		{"too many attempts", sms.GatewayConfig{URL: "https://gw", MaxAttempts: 11}, false},
		{"negative attempts", sms.GatewayConfig{URL: "https://gw", MaxAttempts: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sms.NewGateway(tc.cfg, nil)
			if tc.ok && err != nil {
				t.Errorf("NewGateway(%v) = %v, want nil", tc.cfg, err)
			}
			if !tc.ok && digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Errorf("NewGateway(%v) = %v, want %s", tc.cfg, err, digitalid.EINVALID)
			}
		})
	}
}

func TestGatewayConfigHidesSecrets(t *testing.T) {
	cfg := sms.GatewayConfig{URL: "https://gw.example/send?api_key=query-secret", AuthHeader: "X-API-Key", AuthValue: authValue}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "sms", cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%v", &cfg), logs.String()} {
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "query-secret") {
			t.Errorf("printed config %s holds a secret", out)
		}
		if !strings.Contains(out, "gw.example/send") || !strings.Contains(out, "X-API-Key") {
			t.Errorf("printed config %s lacks the host or the header name", out)
		}
	}
}
