package main

import (
	"context"

	"github.com/digitalid/digitalid/account"
)

// inboxNotes is the first member of the vault's Notifier (docNotifiers):
// when an issuer adds, changes or revokes a citizen's document it puts a
// note in the citizen's inbox (account.Notifications.DocumentChanged, which
// also texts a revocation).
//
// quiet turns it off for `digitalid import` (unless --notify): a migration
// loads documents citizens already hold and must not fill a million inboxes
// or text anyone. The other members (credential revocation) still run.
type inboxNotes struct {
	n     *account.Notifications
	quiet bool
}

// DocumentChanged implements vault.Notifier.
func (i *inboxNotes) DocumentChanged(ctx context.Context, citizenID, docID, kind string) error {
	if i.quiet {
		return nil
	}
	return i.n.DocumentChanged(ctx, citizenID, docID, kind)
}
