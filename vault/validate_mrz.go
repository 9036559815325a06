package vault

import "strings"

// parseMRZ checks the machine-readable zone of a passport (ICAO Doc 9303
// part 4, the TD3 format): two lines of 44 characters from A–Z, 0–9 and the
// filler "<", the first starting with "P", with the check digits of the
// document number, the date of birth, the date of expiry, the optional data
// and the whole second line. It accepts lower case, spaces, and the two lines
// run together; the canonical form is the two lines joined by a line break.
func parseMRZ(s string) (string, string) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "\n", "").Replace(s))
	if len(s) != 88 || s[0] != 'P' {
		return "", CodeFormat
	}
	for i := range len(s) {
		if mrzValue(s[i]) < 0 {
			return "", CodeFormat
		}
	}
	l2 := s[44:]
	checks := []struct {
		data  string
		check byte
	}{
		{l2[0:9], l2[9]},                           // document number
		{l2[13:19], l2[19]},                        // date of birth
		{l2[21:27], l2[27]},                        // date of expiry
		{l2[0:10] + l2[13:20] + l2[21:43], l2[43]}, // composite
	}
	// The optional data's check digit may be a filler when the data is empty.
	if l2[42] != '<' || strings.Trim(l2[28:42], "<") != "" {
		checks = append(checks, struct {
			data  string
			check byte
		}{l2[28:42], l2[42]})
	}
	for _, c := range checks {
		if c.check < '0' || c.check > '9' || mrzCheck(c.data) != int(c.check-'0') {
			return "", CodeChecksum
		}
	}
	return s[:44] + "\n" + l2, ""
}

// mrzValue is a character's value in MRZ check digits: 0–9, A=10 … Z=35,
// "<"=0; -1 for characters an MRZ cannot hold.
func mrzValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c == '<':
		return 0
	}
	return -1
}

// mrzCheck computes an ICAO 9303 check digit: values weighted 7, 3, 1
// repeating, summed, modulo 10.
func mrzCheck(s string) int {
	sum := 0
	for i := range len(s) {
		sum += mrzValue(s[i]) * [3]int{7, 3, 1}[i%3]
	}
	return sum % 10
}

// mrzFields are the parts of a canonical TD3 MRZ that other fields repeat.
type mrzFields struct {
	state, surname, number, birth, sex, expiry string
}

// readMRZ splits a canonical MRZ (the output of parseMRZ).
func readMRZ(m string) mrzFields {
	l1, l2 := m[:44], m[45:]
	surname, _, _ := strings.Cut(l1[5:], "<<")
	return mrzFields{state: l1[2:5], surname: surname, number: l2[0:9], birth: l2[13:19],
		sex: l2[20:21], expiry: l2[21:27]}
}
