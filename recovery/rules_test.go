package recovery

import (
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
)

func TestEligible(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	born := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name   string
		c      account.Citizen
		minAge int
		want   bool
	}{
		{"18 today", account.Citizen{Status: account.StatusActive, Assurance: account.AssuranceStandard, BirthDate: born(2008, 11, 22)}, 18, true},
		{"18 tomorrow", account.Citizen{Status: account.StatusActive, Assurance: account.AssuranceStandard, BirthDate: born(2008, 11, 23)}, 18, false},
		{"14 today", account.Citizen{Status: account.StatusActive, Assurance: account.AssuranceHigh, BirthDate: born(2012, 11, 22)}, 14, true},
		{"13", account.Citizen{Status: account.StatusActive, Assurance: account.AssuranceHigh, BirthDate: born(2013, 1, 1)}, 14, false},
		{"basic", account.Citizen{Status: account.StatusActive, Assurance: account.AssuranceBasic, BirthDate: born(1980, 1, 1)}, 18, false},
		{"no birth date", account.Citizen{Status: account.StatusActive, Assurance: account.AssuranceStandard}, 14, false},
		{"deleted", account.Citizen{Status: account.StatusDeleted, Assurance: account.AssuranceStandard, BirthDate: born(1980, 1, 1)}, 18, false},
	} {
		if got := eligible(tc.c, tc.minAge, now); got != tc.want {
			t.Errorf("eligible(%s, %d) = %v, want %v", tc.name, tc.minAge, got, tc.want)
		}
	}
}

func TestContactViewHidesWhetherNumberIsKnown(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s := &Service{}
	for _, tc := range []struct {
		status  ContactStatus
		expires time.Time
		want    ContactStatus
	}{
		{StatusPending, now.Add(time.Hour), StatusPending},
		{StatusDeclined, now.Add(time.Hour), StatusPending},
		{StatusPending, now, StatusExpired},
		{StatusDeclined, now.Add(-time.Hour), StatusExpired},
		{StatusActive, now.Add(-time.Hour), StatusActive},
		{StatusEnded, now.Add(time.Hour), StatusEnded},
	} {
		if got := s.contactView(ContactRecord{Status: tc.status, ExpiresAt: tc.expires}, "x", now).Status; got != tc.want {
			t.Errorf("contactView(%s, expires %v) = %s, want %s", tc.status, tc.expires.Sub(now), got, tc.want)
		}
	}
}

func TestOrigin(t *testing.T) {
	for ip, want := range map[string]string{"192.0.2.77": "192.0.2.x", "2001:db8:1:2::5": "2001:db8:1::/48", "nonsense": "", "": ""} {
		if got := approxNetwork(ip); got != want {
			t.Errorf("approxNetwork(%q) = %q, want %q", ip, got, want)
		}
	}
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36": "Chrome, Linux",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1":           "Safari, iOS",
		"Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36 Edg/140.0":            "Edge, Windows",
		"curl/8": "",
	} {
		if got := browserOf(ua); got != want {
			t.Errorf("browserOf(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestTexts(t *testing.T) {
	tx, err := loadTexts()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ru", "kk", "en"} {
		got := tx.format(lang, textApprovalCode, map[string]string{"code": "123456", "phone": "+77011234567"})
		if got == "" || !strings.Contains(got, "123456") || !strings.Contains(got, "+77011234567") {
			t.Errorf("approval code text in %s = %q", lang, got)
		}
	}
}
