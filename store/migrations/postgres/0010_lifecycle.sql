-- Account lifecycle (package account): a deleted citizen stays restorable
-- for the restore window, then one purger claims the row (purge_claim, a
-- random token, and purge_claimed_at, so a purger that died mid-way is
-- replaced after a lease), shreds the citizen's data key and deletes the
-- row with everything that cascades from it.
ALTER TABLE account_citizens ADD COLUMN purge_claim TEXT;
ALTER TABLE account_citizens ADD COLUMN purge_claimed_at TEXT;
CREATE INDEX account_citizens_deleted ON account_citizens (status, deleted_at);
