package main

import (
	"context"
	"fmt"

	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/present/credsource"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/presentweb"
)

// openPresent builds the Digital ID presentations (verifiers, online QR
// handles, verification) over the app's database, with the verifier-secret
// key from the KeyStore. Attestations, eligibility, portraits and offline
// verification come from the credential service.
func (a *app) openPresent(ctx context.Context) error {
	k, err := a.keys.LoadOrCreateSecret(ctx, present.SecretVerifierKey)
	if err != nil {
		return fmt.Errorf("verifier secret key: %w", err)
	}
	a.present, err = present.New(present.Config{Store: a.db, Accounts: present.AccountsOf(a.accounts),
		Credentials: credsource.New(a.credentials), Offline: credsource.Offline(a.credentials),
		Audit: a.audit, SecretKey: k, Clock: a.db.Now, Logger: a.log})
	return err
}

// registerPresent mounts the Show ID and scanner pages and their API.
func registerPresent(srv *web.Server, a *app) error {
	return presentweb.Register(srv, presentweb.Deps{Present: a.present, Accounts: a.accounts, Logger: a.log})
}
