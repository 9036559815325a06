package vault

import (
	"strconv"

	"github.com/digitalid/digitalid"
)

// parseSNILS checks a SNILS (insurance number of an individual personal
// account): 11 digits, written compactly or as "123-456-789 01". The last
// two digits are a check number computed by the Pension Fund's rule: each of
// the first nine digits times its weight, 9 down to 1, summed; a sum under
// 100 is the check number itself, 100 and 101 give 00, and a larger sum is
// taken modulo 101 first and then read the same way. Numbers up to
// 001-001-998 were issued before the rule and are not checked.
func parseSNILS(s string) (string, string) {
	d, ok := digits(s, 11)
	if !ok {
		return "", CodeFormat
	}
	if n, _ := strconv.Atoi(d[:9]); n <= 1001998 {
		return d, ""
	}
	if want, _ := strconv.Atoi(d[9:]); snilsCheck(d[:9]) != want {
		return "", CodeChecksum
	}
	return d, ""
}

// snilsCheck computes the check number of a SNILS's first nine digits.
func snilsCheck(nine string) int {
	sum := 0
	for i := range 9 {
		sum += int(nine[i]-'0') * (9 - i)
	}
	if sum > 101 {
		sum %= 101
	}
	if sum >= 100 {
		return 0
	}
	return sum
}

// DisplaySNILS writes an 11-digit SNILS the way it is printed: 123-456-789 01.
// Other input is returned unchanged.
func DisplaySNILS(d string) string {
	if len(d) != 11 {
		return d
	}
	return d[:3] + "-" + d[3:6] + "-" + d[6:9] + " " + d[9:]
}

// parseINN checks an individual's taxpayer number (INN): 12 digits whose
// 11th and 12th are check digits. Each is the weighted sum of the digits
// before it (weights 7,2,4,10,3,5,9,4,6,8 and 3,7,2,4,10,3,5,9,4,6,8)
// modulo 11, then modulo 10. A 10-digit INN belongs to an organisation and
// is refused here.
func parseINN(s string) (string, string) {
	d, ok := digits(s, 12)
	if !ok {
		return "", CodeFormat
	}
	if innCheck(d, []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) != d[10] ||
		innCheck(d, []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) != d[11] {
		return "", CodeChecksum
	}
	return d, ""
}

// parseLegalINN checks an organisation's taxpayer number: 10 digits, the
// last a check digit with weights 2,4,10,3,5,9,4,6,8. No individual's
// document uses it; it is here for issuers and organisations that identify
// themselves by it.
func parseLegalINN(s string) (string, string) {
	d, ok := digits(s, 10)
	if !ok {
		return "", CodeFormat
	}
	if innCheck(d, []int{2, 4, 10, 3, 5, 9, 4, 6, 8}) != d[9] {
		return "", CodeChecksum
	}
	return d, ""
}

// innCheck returns the check digit (as an ASCII byte) over the first
// len(weights) digits of d.
func innCheck(d string, weights []int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(d[i]-'0') * w
	}
	return byte('0' + sum%11%10)
}

// parseOMS checks a unified OMS (compulsory medical insurance) policy number,
// the 16-digit "единый номер полиса" issued since 2011. Its last digit is a
// check digit defined in the Federal OMS Fund's "General principles of
// building information systems in OMS" (order of 7 April 2011 No. 79,
// appendix Г.2), which cites the Mod10 method of ISO/HL7 27931:2009: the
// digits in odd places counted from the right, read as one number, are
// doubled; the digits in even places are written before that number; the
// digit sum of the result, subtracted from the next multiple of 10, is the
// check digit. Doubling the number instead of each digit changes nothing
// (each carry lowers the digit sum by 9, exactly as Luhn subtracts 9 from a
// doubled digit over 9), so this is the Luhn check over all 16 digits.
//
// Policies of the pre-2011 regional forms (a series and a number of varying
// length, with no check digit) and 9-digit temporary certificates cannot be
// checked and are refused: their holders have had unified numbers since.
func parseOMS(s string) (string, string) {
	d, ok := digits(s, 16)
	if !ok {
		return "", CodeFormat
	}
	if !luhn(d) {
		return "", CodeChecksum
	}
	return d, ""
}

// luhn reports whether a digit string ends in its Luhn (Mod10) check digit.
func luhn(d string) bool {
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// ParseSNILS returns the 11 digits of a SNILS written with or without the
// usual separators, for callers that address a citizen by it (the issuer
// API). The error is an EINVALID *digitalid.Error naming field "snils" with
// CodeFormat or CodeChecksum.
func ParseSNILS(s string) (string, error) { return parseID("snils", FormatSNILS, parseSNILS, s) }

// ParseINN returns the 12 digits of an individual's INN; see ParseSNILS for
// the error.
func ParseINN(s string) (string, error) { return parseID("inn", FormatINN, parseINN, s) }

// ParseLegalINN returns the 10 digits of an organisation's INN; see
// ParseSNILS for the error.
func ParseLegalINN(s string) (string, error) { return parseID("inn", FormatINN, parseLegalINN, s) }

// ParseOMS returns the 16 digits of a unified OMS policy number; see
// ParseSNILS for the error.
func ParseOMS(s string) (string, error) { return parseID("number", FormatOMS, parseOMS, s) }

func parseID(field, format string, parse func(string) (string, string), s string) (string, error) {
	s, ok := clean(s, false)
	if ok {
		if d, code := parse(s); code == "" {
			return d, nil
		} else if code == CodeChecksum {
			return "", idError(field, code, "vault.error.checksum", "The check digits do not match: please look for a typo.")
		}
	}
	return "", idError(field, CodeFormat, "vault.error.format."+format, "The number is not written the way this field requires.")
}

func idError(field, code, key, msg string) error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: key, Message: msg,
		Fields: []digitalid.FieldError{{Field: field, Code: code, Key: key, Message: msg}}}
}
