package main

import (
	"context"

	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/history"
)

// registerHistory mounts the citizen's access history (GET
// /api/v1/me/history and /account/history), naming verifiers, relying
// parties and issuers through their services.
func registerHistory(ctx context.Context, srv *web.Server, a *app) error {
	svc, reg, err := a.openOIDC(ctx)
	if err != nil {
		return err
	}
	d := history.Deps{Audit: a.audit, Accounts: a.accounts, Labels: reg, Logger: a.log,
		RelyingParties: func(ctx context.Context, id string) (string, error) {
			c, err := svc.Client(ctx, id)
			return c.Name, err
		},
		Issuers: func(ctx context.Context, id string) (string, error) {
			i, err := a.issuers.Get(ctx, id)
			return i.Name, err
		},
	}
	if a.present != nil {
		d.Verifiers = func(ctx context.Context, id string) (string, error) {
			v, err := a.present.Verifier(ctx, id)
			return v.Name, err
		}
	}
	return history.Register(srv, d)
}
