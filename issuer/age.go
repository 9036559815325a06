package issuer

import (
	"context"
	"fmt"
	"slices"
)

// PromoteOfAge raises to standard the citizens a confirmed passport showed
// younger than account.MinAccountAge who have since turned that age, as if
// their passport had arrived today: identity is confirmed from 14 (see
// raiseAssurance), and a registry need not push the passport again on the
// birthday. serve runs it with its hourly purge; it is idempotent and safe
// on several instances. Returns how many citizens it raised.
func (s *Service) PromoteOfAge(ctx context.Context) (int64, error) {
	due, err := s.cfg.Citizens.OfAgeAt(ctx, s.cfg.Clock())
	if err != nil {
		return 0, fmt.Errorf("issuer: citizens of age: %w", err)
	}
	var n int64
	for _, c := range due {
		docs, err := s.cfg.Vault.List(ctx, c.ID)
		if err != nil {
			return n, fmt.Errorf("issuer: documents of %s: %w", c.ID, err)
		}
		for _, d := range docs {
			if !slices.Contains(ConfirmableTypes(), d.TypeID) || !d.Confirmed() {
				continue
			}
			full, err := s.cfg.Vault.Get(ctx, c.ID, d.ID)
			if err != nil {
				return n, fmt.Errorf("issuer: passport %s: %w", d.ID, err)
			}
			if err := s.raiseAssurance(ctx, full); err != nil {
				return n, err
			}
			n++
			break
		}
	}
	return n, nil
}
