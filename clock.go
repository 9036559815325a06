package digitalid

import "time"

// Clock returns the current time. Services take one in their constructor and
// call it once per operation, so tests move time (30-second QR codes, 15-minute
// lockouts) by injecting a clock instead of sleeping.
type Clock func() time.Time

// SystemClock is the real clock, truncated to microseconds so that a time
// written to PostgreSQL reads back equal.
func SystemClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
