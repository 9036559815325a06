package account

import (
	"strings"
	"testing"
)

func TestTexts(t *testing.T) {
	tx, err := loadTexts()
	if err != nil {
		t.Fatalf("loadTexts = %v", err)
	}
	needs := map[string]string{
		textOTP: "{code}", textSignupExists: "", string(KindNewDevice): "",
		string(KindPINLocked): "{minutes}", string(KindDeviceBlocked): "",
	}
	for _, lang := range []string{"ru", "kk", "en"} {
		if len(tx[lang]) != len(needs) {
			t.Errorf("texts[%s] has %d texts, want %d", lang, len(tx[lang]), len(needs))
		}
		for name, placeholder := range needs {
			s := tx[lang][name]
			if !strings.HasPrefix(s, "digitalid: ") || !strings.Contains(s, placeholder) {
				t.Errorf("texts[%s][%s] = %q, want the digitalid: prefix and %q", lang, name, s, placeholder)
			}
			if got := tx.format(lang, name, map[string]string{"code": "123456", "minutes": "15"}); strings.Contains(got, "{") {
				t.Errorf("format(%s, %s) = %q leaves a placeholder", lang, name, got)
			}
		}
	}
	if got := tx.format("de", textOTP, map[string]string{"code": "1"}); got != tx.format("ru", textOTP, map[string]string{"code": "1"}) {
		t.Errorf("format(de) = %q, want the Russian fallback", got)
	}
}
