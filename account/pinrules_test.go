package account

import (
	"errors"
	"fmt"
	"testing"

	"github.com/digitalid/digitalid"
)

func TestCheckPIN(t *testing.T) {
	for _, tc := range []struct {
		pin    string
		reason string // "" when accepted
	}{
		{"", "format"},
		{"123", "format"},
		{"1234567", "format"},
		{"12a4", "format"},
		{"１２３４", "format"}, // full-width digits
		{" 2791", "format"},
		{"0000", "same_digit"},
		{"1111", "same_digit"},
		{"99999", "same_digit"},
		{"777777", "same_digit"},
		{"1234", "sequence"},
		{"4321", "sequence"},
		{"123456", "sequence"},
		{"654321", "sequence"},
		{"23456", "sequence"},
		{"7890", "sequence"},
		{"8901", "sequence"},
		{"0987", "sequence"},
		{"1212", "pattern"},
		{"1010", "pattern"},
		{"12121", "pattern"},
		{"121212", "pattern"},
		{"123123", "pattern"},
		{"1313", "pattern"},
		{"1122", "pattern"},
		{"112233", "pattern"},
		{"1984", "year"},
		{"2001", "year"},
		{"2099", "year"},
		{"1004", "common"},
		{"2580", "common"},
		{"0852", "common"},
		{"6969", "pattern"},
		{"123321", "common"},
		{"147258", "common"},
		{"159753", "common"},
		{"2791", ""},
		{"1899", ""},
		{"2100", ""},
		{"8203", ""},
		{"58204", ""},
		{"120984", ""},
		{"1221", ""},
	} {
		err := CheckPIN(tc.pin)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("CheckPIN(%q) = %v, want nil", tc.pin, err)
			}
			continue
		}
		var de *digitalid.Error
		if !errors.As(err, &de) || de.Code != digitalid.EINVALID || de.Key != "account.pin."+tc.reason ||
			len(de.Fields) != 1 || de.Fields[0].Field != "pin" {
			t.Errorf("CheckPIN(%q) = %#v, want EINVALID with key account.pin.%s on field pin", tc.pin, err, tc.reason)
		}
	}
}

// TestCheckPINShare counts how many 4-digit PINs the rules refuse, the figure
// CheckPIN's comment quotes.
func TestCheckPINShare(t *testing.T) {
	refused := 0
	for i := range 10000 {
		if CheckPIN(fmt.Sprintf("%04d", i)) != nil {
			refused++
		}
	}
	if refused != 420 {
		t.Errorf("CheckPIN refuses %d of 10000 4-digit PINs; the doc comment says 4.2%%, update one of them", refused)
	}
}

func FuzzCheckPIN(f *testing.F) {
	for _, s := range []string{"", "1234", "2791", "000000", "12a4", "\xff\xfe", "20011"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pin string) {
		err := CheckPIN(pin)
		if err == nil && (len(pin) < MinPINLen || len(pin) > MaxPINLen || !allDigits(pin)) {
			t.Fatalf("CheckPIN(%q) = nil for a PIN that is not 4 to 6 digits", pin)
		}
		if err != nil && digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Fatalf("CheckPIN(%q) = %v, want EINVALID", pin, err)
		}
	})
}
