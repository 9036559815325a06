package main

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/credentialapi"
)

// docNotifiers is the vault's Notifier: the vault is built before the
// services that want to hear of issuers' changes (the credential service
// revokes what a changed or revoked document supported), so they join it
// afterwards with add.
type docNotifiers struct {
	mu sync.RWMutex
	ns credential.Notifiers
}

func (d *docNotifiers) add(n vault.Notifier) {
	d.mu.Lock()
	d.ns = append(d.ns, n)
	d.mu.Unlock()
}

// DocumentChanged implements vault.Notifier.
func (d *docNotifiers) DocumentChanged(ctx context.Context, citizenID, docID, kind string) error {
	d.mu.RLock()
	ns := d.ns
	d.mu.RUnlock()
	return ns.DocumentChanged(ctx, citizenID, docID, kind)
}

// openCredentials builds the digital ID credential service and has the
// vault tell it of issuers' changes.
func (a *app) openCredentials() error {
	pub := a.cfg.PublicURL
	if u, err := url.Parse(pub); err != nil || u.Host == "" {
		pub = "http://localhost" // a command that does not serve has no public URL, and issues nothing
	}
	svc, err := credential.NewService(credential.Config{Store: a.db, Vault: a.vault, Accounts: a.accounts, Keys: a.keys,
		Audit: a.audit, Clock: a.db.Now, Logger: a.log, PublicURL: pub})
	if err != nil {
		return err
	}
	a.credentials = svc
	a.docNotes.add(svc)
	a.accounts.Sessions.OnDeviceBlocked(func(ctx context.Context, citizenID, deviceID string) {
		if _, err := svc.RevokeForDevice(ctx, citizenID, deviceID); err != nil {
			a.log.ErrorContext(ctx, "revoking a blocked device's credentials failed; the sweep retries", "err", err)
		}
	})
	a.accounts.OnAccountDeleted(func(ctx context.Context, citizenID string) {
		if _, err := svc.RevokeForCitizen(ctx, citizenID); err != nil {
			a.log.ErrorContext(ctx, "revoking a deleted account's credentials failed; the sweep retries", "err", err)
		}
	})
	return nil
}

// registerCredentials mounts the wallet's credential API and the status
// lists on srv.
func registerCredentials(srv *web.Server, a *app) error {
	return credentialapi.Register(srv, credentialapi.Deps{Credentials: a.credentials, Accounts: a.accounts, Logger: a.log})
}

// credentialSweepEvery is how often serve revokes the credentials of
// blocked devices, deleted accounts and attestations that stopped being
// true. Every instance runs it; it is idempotent.
const credentialSweepEvery = time.Minute

// sweepCredentials runs the sweep every credentialSweepEvery until ctx is
// cancelled; the returned channel closes when it has stopped.
func (a *app) sweepCredentials(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(credentialSweepEvery)
		defer t.Stop()
		for {
			for _, step := range []func(context.Context) (int64, error){a.credentials.RevokeBlocked, a.credentials.RevokeExpired} {
				if _, err := step(ctx); err != nil && ctx.Err() == nil {
					a.log.Warn("credential sweep failed", "err", err)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return done
}
