package account

// PIN length bounds.
const (
	MinPINLen = 4
	MaxPINLen = 6
)

// CheckPIN reports whether pin may be chosen as a PIN. It must be 4 to 6
// ASCII digits and not trivially guessable. Refused, each with its own
// translation key (account.pin.*):
//
//   - format:     not 4 to 6 digits;
//   - same_digit: one digit repeated (0000, 11111, 999999);
//   - sequence:   consecutive digits up or down, 0 following 9
//     (1234, 4321, 123456, 654321, 7890, 8901, 0987);
//   - pattern:    a repeated block of two or three digits (1212, 12121,
//     121212, 123123) or every digit doubled (1122, 112233);
//   - year:       four digits from 1900 to 2099 (1984, 2001);
//   - common:     a PIN high on published frequency lists, or a straight line
//     on the keypad, that the rules above miss: 1004, 2580, 0852, 1470,
//     0741, 3690, 0963, 1357, 7531, 2468, 8642, 1379, 123321,
//     147258, 258369, 159753, 789456, 456123, 102030, 147852, 741852.
//
// The error is EINVALID with a FieldError for "pin" naming the reason; it
// never quotes the PIN. The rules refuse 4.2% of 4-digit PINs (CheckPIN's
// test counts them) and far fewer longer ones.
func CheckPIN(pin string) error {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen || !allDigits(pin) {
		return pinRefused("format", "The PIN must be 4 to 6 digits.")
	}
	switch {
	case repeats(pin, 1):
		return pinRefused("same_digit", "The PIN must not repeat one digit.")
	case consecutive(pin, 1) || consecutive(pin, 9):
		return pinRefused("sequence", "The PIN must not be a run of consecutive digits.")
	case repeats(pin, 2) || repeats(pin, 3) || doubled(pin):
		return pinRefused("pattern", "The PIN must not repeat a short pattern.")
	case len(pin) == 4 && (pin[:2] == "19" || pin[:2] == "20"):
		return pinRefused("year", "The PIN must not look like a year.")
	case commonPIN(pin):
		return pinRefused("common", "This PIN is among the most common ones; choose another.")
	}
	return nil
}

func pinRefused(reason, msg string) error {
	return fieldError("pin", "account.pin."+reason, msg)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// repeats reports whether pin is a block of k digits repeated (the last
// repetition may be cut short), with at least two whole blocks.
func repeats(pin string, k int) bool {
	if len(pin) < 2*k {
		return false
	}
	for i := k; i < len(pin); i++ {
		if pin[i] != pin[i-k] {
			return false
		}
	}
	return true
}

// consecutive reports whether each digit is the one before plus step,
// modulo 10 (step 1: up, step 9: down).
func consecutive(pin string, step byte) bool {
	for i := 1; i < len(pin); i++ {
		if (pin[i-1]-'0'+step)%10 != pin[i]-'0' {
			return false
		}
	}
	return true
}

// doubled reports whether pin is made of pairs of equal digits (1122).
func doubled(pin string) bool {
	if len(pin)%2 != 0 {
		return false
	}
	for i := 0; i < len(pin); i += 2 {
		if pin[i] != pin[i+1] {
			return false
		}
	}
	return true
}

func commonPIN(pin string) bool {
	switch pin {
	case "1004", "2580", "0852", "1470", "0741", "3690", "0963", "1357", "7531", "2468", "8642", "1379",
		"123321", "147258", "258369", "159753", "789456", "456123", "102030", "147852", "741852":
		return true
	}
	return false
}
