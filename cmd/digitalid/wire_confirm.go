package main

import (
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/confirmweb"
)

// registerConfirm mounts the citizen's side of passport confirmation
// (/api/v1/documents/{id}/confirmation and its page); the registries'
// side is part of the issuer API (issuerapi), and decisions reach the
// citizen's inbox through the issuer service's Notifier (app.go).
func registerConfirm(srv *web.Server, a *app) error {
	reg, err := vault.NewRegistry()
	if err != nil {
		return err
	}
	return confirmweb.Register(srv, confirmweb.Deps{Issuers: a.issuers, Accounts: a.accounts, Vault: a.vault, Registry: reg, Logger: a.log, Clock: a.db.Now})
}
