package sms_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/sms"
)

func TestPrintOutbox(t *testing.T) {
	var empty bytes.Buffer
	if err := sms.PrintOutbox(&empty, nil); err != nil || empty.String() != "The outbox is empty.\n" {
		t.Errorf("PrintOutbox(nil) = %q, %v", empty.String(), err)
	}
	at := time.Date(2026, 11, 22, 9, 30, 5, 0, time.FixedZone("ALMT", 5*3600))
	entries := []sms.OutboxEntry{
		{ID: "k2", To: phoneKZ, Body: "code 333333\nline two\x1b[31m\u202e", Purpose: "otp", CreatedAt: at},
		{ID: "r1", To: phoneRU, Body: "Добро пожаловать", Purpose: "notice", CreatedAt: at.Add(-time.Minute)},
	}
	var buf bytes.Buffer
	if err := sms.PrintOutbox(&buf, entries); err != nil {
		t.Fatalf("PrintOutbox = %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("PrintOutbox printed %d lines, want header + 2:\n%s", len(lines), buf.String())
	}
	for i, want := range [][]string{
		{"TIME (UTC)", "TO", "PURPOSE", "ID", "TEXT"},
		{"2026-11-22 04:30:05", phoneKZ, "otp", "k2", "code 333333 line two [31m"},
		{"2026-11-22 04:29:05", phoneRU, "notice", "r1", "Добро пожаловать"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("PrintOutbox line %d = %q, want it to hold %q", i, lines[i], w)
			}
		}
	}
	if strings.ContainsAny(buf.String(), "\x1b\u202e") {
		t.Errorf("PrintOutbox output holds control characters: %q", buf.String())
	}
}
