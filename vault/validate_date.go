package vault

import "time"

// earliestDate is the first date any field may hold: no living citizen's
// document, and no date in one, is older.
func earliestDate() time.Time { return time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC) }

// latestToday returns the latest calendar date anywhere on Earth at now (the
// date in UTC+14), at midnight UTC. A document issued "today" in
// Kamchatka is already tomorrow in UTC, so "not in the future" compares
// against this date rather than the server's.
func latestToday(now time.Time) time.Time {
	t := now.UTC().Add(14 * time.Hour)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// date checks a YYYY-MM-DD date: a real calendar day, not before 1900, and
// not after today unless the field may lie in the future (an expiry), in
// which case not more than 100 years ahead. It returns the code and the
// precise message key of a problem.
func (c *checker) date(f *Field, s string) (string, string, string) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return "", CodeFormat, "vault.error.format.date"
	}
	for i := range len(s) {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return "", CodeFormat, "vault.error.format.date"
		}
	}
	d, err := time.Parse(time.DateOnly, s)
	switch {
	case err != nil:
		return "", CodeNotADate, ""
	case d.Before(earliestDate()):
		return "", CodeTooOld, ""
	case !f.Future && d.After(c.today):
		return "", CodeFutureDate, ""
	case f.Future && d.After(addYears(c.today, 100)):
		return "", CodeTooFar, ""
	}
	return s, "", ""
}

// addYears adds years to a date; 29 February becomes 28 February in a year
// that has no 29th: a term ending in a month without its day ends on the
// month's last day (Civil Code of the Russian Federation, art. 192).
func addYears(d time.Time, years int) time.Time {
	t := d.AddDate(years, 0, 0)
	if t.Day() != d.Day() {
		t = t.AddDate(0, 0, -t.Day())
	}
	return t
}
