package main

import (
	"context"
	"fmt"

	"github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/web"
	recoveryweb "github.com/digitalid/digitalid/web/recovery"
)

// openRecovery builds trusted contacts and account recovery over the app's
// database, with its secrets from the KeyStore, and installs its
// cooling-off check on the account service (phone changes are refused for
// 24 hours after a recovery). Signing certificates ask a.recovery.CoolingOff.
func (a *app) openRecovery(ctx context.Context) error {
	k, err := recovery.LoadKeys(ctx, a.keys)
	if err != nil {
		return fmt.Errorf("recovery keys: %w", err)
	}
	a.recovery, err = recovery.New(recovery.Config{Store: a.db, Accounts: a.accounts, Keys: k, SMS: a.sender,
		Audit: a.audit, Clock: a.db.Now, Logger: a.log, Proofing: a.proofing}) // face as a second check at high
	if err != nil {
		return err
	}
	a.accounts.SetCoolingOff(a.recovery)
	return nil
}

// registerRecovery mounts the trusted-contact and recovery API and pages.
func registerRecovery(srv *web.Server, a *app) error {
	return recoveryweb.Register(srv, recoveryweb.Deps{Recovery: a.recovery, Accounts: a.accounts, Logger: a.log, Clock: a.db.Now})
}
