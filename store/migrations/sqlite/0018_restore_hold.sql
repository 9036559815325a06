-- A deleted account whose restore a stranger keeps blocked (spending the
-- number's codes, or locking its restore code with wrong guesses) stays
-- restorable, and is not purged, until restore_hold_until: at least a week
-- after the last blocked attempt, at most 90 days after the deletion.
-- Without it, knowing the number was enough to block the restore until the
-- purge erased the account. NULL: no hold. RFC 3339 text (UTC, µs).
ALTER TABLE account_citizens ADD COLUMN restore_hold_until TEXT;
