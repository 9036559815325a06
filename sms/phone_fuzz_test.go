package sms

import (
	"testing"
)

// FuzzNormalizePhone: numbers are typed by citizens. A number that
// normalizes must be valid E.164 and normalize to itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+77011234567", "8 701 123 45 67", "+7 (701) 123-45-67", "+1 415 555 2671 ext. 5", "tel:+7-701-123-45-67", "+", "++7", "٨٧٠١١٢٣٤٥٦٧"} {
		f.Add(s, "KZ")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		n, err := NormalizePhone(raw, region)
		if err != nil {
			return
		}
		if !IsE164(n) {
			t.Errorf("NormalizePhone(%q, %q) = %q, not E.164", raw, region, n)
		}
		if again, err := NormalizePhone(n, ""); err != nil || again != n {
			t.Errorf("NormalizePhone(%q) = %q, %v; want it unchanged", n, again, err)
		}
	})
}
