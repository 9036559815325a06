package sms_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/sms"
)

const (
	phoneKZ = "+77011234567"
	phoneRU = "+79161234567"
	otpBody = "Your digitalid code is 493817. Do not share it."
)

func TestMessageValidate(t *testing.T) {
	ok := sms.Message{To: phoneKZ, Body: otpBody, Purpose: "otp"}
	for _, tc := range []struct {
		name   string
		edit   func(m *sms.Message)
		fields []string // bad fields reported, nil when valid
	}{
		{"valid", func(m *sms.Message) {}, nil},
		{"valid with id", func(m *sms.Message) { m.ID = "retry-42_A" }, nil},
		{"body of 1000 characters", func(m *sms.Message) { m.Body = strings.Repeat("ж", 1000) }, nil},
		{"body of 1001 characters", func(m *sms.Message) { m.Body = strings.Repeat("a", 1001) }, []string{"body"}},
		{"empty body", func(m *sms.Message) { m.Body = "" }, []string{"body"}},
		{"body not UTF-8", func(m *sms.Message) { m.Body = "code \xff" }, []string{"body"}},
		{"empty number", func(m *sms.Message) { m.To = "" }, []string{"to"}},
		{"number without plus", func(m *sms.Message) { m.To = "77011234567" }, []string{"to"}},
		{"number with spaces", func(m *sms.Message) { m.To = "+7 701 123 45 67" }, []string{"to"}},
		{"number too short", func(m *sms.Message) { m.To = "+7701123456" }, []string{"to"}},
		{"number trailing space", func(m *sms.Message) { m.To = phoneKZ + " " }, []string{"to"}},
		{"not a number", func(m *sms.Message) { m.To = "+ab" }, []string{"to"}},
		{"empty purpose", func(m *sms.Message) { m.Purpose = "" }, []string{"purpose"}},
		{"purpose with capitals", func(m *sms.Message) { m.Purpose = "OTP" }, []string{"purpose"}},
		{"purpose too long", func(m *sms.Message) { m.Purpose = strings.Repeat("p", 33) }, []string{"purpose"}},
		{"purpose starting with digit", func(m *sms.Message) { m.Purpose = "1otp" }, []string{"purpose"}},
		{"id with slash", func(m *sms.Message) { m.ID = "a/b" }, []string{"id"}},
		{"id too long", func(m *sms.Message) { m.ID = strings.Repeat("i", 65) }, []string{"id"}},
		{"everything wrong", func(m *sms.Message) { *m = sms.Message{ID: "?"} }, []string{"to", "body", "purpose", "id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ok
			tc.edit(&m)
			err := m.Validate()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *digitalid.Error
			if !errors.As(err, &e) || e.Code != digitalid.EINVALID {
				t.Fatalf("Validate() = %v, want %s", err, digitalid.EINVALID)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("Validate() fields = %v, want %v", got, tc.fields)
			}
			if m.To != "" && strings.Contains(err.Error(), m.To) || m.Body != "" && strings.Contains(err.Error(), m.Body) {
				t.Errorf("Validate() = %q quotes the number or the body", err)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		raw, region, want string
	}{
		{"+77011234567", "", phoneKZ},
		{"+7 (701) 123-45-67", "", phoneKZ},
		{"8 701 123 45 67", "KZ", phoneKZ},
		{"87011234567", "KZ", phoneKZ},
		{"+79161234567", "KZ", phoneRU},
		{"+1 415 555 2671", "", "+14155552671"},
		{"87011234567", "", ""},   // no region, no "+"
		{"+7701123456", "KZ", ""}, // a digit short
		{"+0", "", ""},
		{"", "KZ", ""},
		{strings.Repeat("1", 65), "KZ", ""},
	} {
		got, err := sms.NormalizePhone(tc.raw, tc.region)
		if tc.want == "" {
			if digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %s", tc.raw, tc.region, got, err, digitalid.EINVALID)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tc.raw, tc.region, got, err, tc.want)
		}
	}
}

func TestMessageLogValueRedacts(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	m := sms.Message{To: phoneKZ, Body: otpBody, Purpose: "otp", ID: "m1"}
	e := sms.OutboxEntry{To: phoneKZ, Body: otpBody, Purpose: "otp", ID: "m1"}
	logger.Info("x", "message", m, "entry", e, "ptr", &m)
	out := buf.String()
	for _, secret := range []string{phoneKZ, "7011234567", "493817"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line %s holds %q", out, secret)
		}
	}
	if !strings.Contains(out, `"purpose":"otp"`) || !strings.Contains(out, `"id":"m1"`) {
		t.Errorf("log line %s lacks the purpose or the id", out)
	}
}
