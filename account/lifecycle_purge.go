package account

import (
	"context"
	"time"

	"github.com/digitalid/digitalid/audit"
)

// Purge of deleted accounts.
const (
	// purgeLease is how long a purger's claim on a citizen holds: a purger
	// that died between claiming and deleting is replaced after it.
	purgeLease = time.Hour
	// purgeBatch is how many citizens one claim takes.
	purgeBatch = 100
)

// ShredFunc destroys a citizen's data key so that none of their documents
// can be decrypted again (the vault's ShredCitizen). It must succeed, and
// be idempotent, for a citizen who never had a key.
type ShredFunc func(ctx context.Context, citizenID string) error

// PurgeDeleted ends the accounts deleted more than RestoreWindow ago: for
// each it calls shred (crypto-shredding: the vault's ShredCitizen, passed
// in because account does not depend on the vault) and then deletes the
// citizen's rows — the sealed phone number, PIN, devices, sessions,
// passkeys, notifications, and the codes of its number — so nothing of the
// person is left but the audit chain, which holds ids only. Each citizen is
// claimed atomically first, so any number of instances may run it at once
// and each citizen is purged by exactly one. A shred that fails leaves the
// citizen claimed; it is retried once purgeLease has passed. Returns how
// many citizens were purged and the first error.
func (s *Service) PurgeDeleted(ctx context.Context, shred ShredFunc) (int, error) {
	var firstErr error
	n := 0
	for {
		now := s.now()
		claim := NewID("p_")
		ids, err := s.store.ClaimDeletedCitizens(ctx, claim, now.Add(-RestoreWindow), now.Add(-purgeLease), now, purgeBatch)
		if err != nil {
			return n, wrapErr("claim deleted accounts", err)
		}
		for _, id := range ids {
			if err := s.purgeOne(ctx, id, claim, shred); err != nil {
				s.log.ErrorContext(ctx, "purge of deleted account failed", "citizen", id, "err", err)
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			n++
		}
		if len(ids) < purgeBatch || firstErr != nil {
			return n, firstErr
		}
	}
}

// purgeOne shreds and deletes one claimed citizen.
func (s *Service) purgeOne(ctx context.Context, id, claim string, shred ShredFunc) error {
	if err := shred(ctx, id); err != nil {
		return wrapErr("shred "+id, err)
	}
	if err := s.store.DeleteClaimedCitizen(ctx, id, claim); err != nil {
		return wrapErr("delete "+id, err)
	}
	_, err := s.audit.Append(ctx, audit.Event{
		Chain: id, Actor: audit.Actor{Type: audit.ActorSystem}, Action: "account.purged",
		Object: "citizen:" + id, Result: audit.Success,
	})
	if err != nil {
		s.log.ErrorContext(ctx, "audit of purge failed", "citizen", id, "err", err)
	}
	return nil
}
