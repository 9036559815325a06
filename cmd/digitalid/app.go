package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/keys/pkcs11"
	"github.com/digitalid/digitalid/present"
	"github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/prometheus/client_golang/prometheus"
)

// Names of the platform secrets kept wrapped by the KeyStore.
const (
	secretAuditMAC  = "audit-mac"
	secretSMSOutbox = "sms-outbox"
)

// app is the wired platform: every service a command may need, built once
// from the Config. Subcommands take what they use.
type app struct {
	cfg         Config
	log         *slog.Logger
	db          *store.DB
	keys        *keys.Manager
	audit       *audit.Log
	outbox      *sms.Outbox
	sender      sms.Sender
	accounts    *account.Service
	proofing    *account.Proofing
	vault       *vault.Service
	issuers     *issuer.Service
	credentials *credential.Service // wire_credential.go
	docNotes    docNotifiers        // the vault's Notifier; wire_credential.go
	inboxNotes  *inboxNotes         // its first member, the citizens' inbox; docnotify.go
	recovery    *recovery.Service   // trusted contacts; wire_recovery.go
	present     *present.Service    // Digital ID presentations; wire_present.go
	metrics     *prometheus.Registry
	closers     []func() error
}

// openApp opens the database (migrating it), the KeyStore (creating the
// platform's keys on first start), the audit log, the SMS sender and the
// account services.
func openApp(ctx context.Context, cfg Config, log *slog.Logger) (a *app, err error) {
	a = &app{cfg: cfg, log: log, metrics: web.NewRegistry()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.db, err = store.Open(ctx, cfg.DB, store.Options{}); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a.closers = append(a.closers, a.db.Close)
	backend, others, err := a.openKeyBackends(cfg)
	if err != nil {
		return nil, err
	}
	a.keys, err = keys.NewManager(keys.Config{Store: a.db, Backend: backend, Others: others, Logger: log, PublishFor: cfg.KeyPublish})
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	if err = a.keys.EnsureKeys(ctx); err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	macKey, err := a.keys.LoadOrCreateSecret(ctx, secretAuditMAC)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	if a.audit, err = audit.New(a.db, macKey, a.db.Now); err != nil {
		return nil, err
	}
	outboxKey, err := a.keys.LoadOrCreateSecret(ctx, secretSMSOutbox)
	if err != nil {
		return nil, fmt.Errorf("sms outbox key: %w", err)
	}
	if a.outbox, err = sms.NewOutbox(a.db, outboxKey, a.db.Now, log); err != nil {
		return nil, err
	}
	if err = a.openSender(cfg); err != nil {
		return nil, err
	}
	if err = a.openAccounts(ctx, cfg); err != nil {
		return nil, err
	}
	if err = a.openProofing(cfg.Biometric); err != nil {
		return nil, err
	}
	if err = a.openIssuing(ctx); err != nil {
		return nil, err
	}
	if err = a.openCredentials(); err != nil { // wire_credential.go
		return nil, err
	}
	if err = a.openPresent(ctx); err != nil { // wire_present.go
		return nil, err
	}
	return a, a.openRecovery(ctx) // wire_recovery.go
}

// openAccounts builds the account services over the database, with their
// secrets from the KeyStore and the configured session timeouts.
func (a *app) openAccounts(ctx context.Context, cfg Config) error {
	k, err := account.LoadKeys(ctx, a.keys)
	if err != nil {
		return fmt.Errorf("account keys: %w", err)
	}
	// Passkeys belong to the public URL's host: it must not change once
	// citizens have registered passkeys. A public URL without a host name
	// (http://:8080) or with an IP address (WebAuthn needs a domain)
	// leaves them off.
	passkey, err := account.PasskeyConfigFromURL(cfg.PublicURL)
	if err == nil && net.ParseIP(passkey.RPID) != nil {
		passkey, err = account.PasskeyConfig{}, errors.New("the public URL's host is an IP address")
	}
	if err != nil {
		a.log.Warn("passkeys are off: set -public-url to the domain citizens use", "err", err)
	}
	a.accounts, err = account.New(account.Config{
		Store: a.db, Keys: k, SMS: a.sender, Audit: a.audit, Clock: a.db.Now, Logger: a.log,
		Session: account.SessionConfig{IdleTimeout: cfg.SessionIdle, Lifetime: cfg.SessionLifetime},
		Passkey: passkey, Rates: authRates(cfg.AuthRate),
	})
	return err
}

// authRates is the per-address limit of the authentication endpoints:
// perMinute requests a minute (0: account.DefaultRates). The limiter keeps
// grouping IPv6 addresses by /64.
func authRates(perMinute int) map[string]account.Rate {
	if perMinute <= 0 {
		return nil
	}
	return map[string]account.Rate{account.BucketAuth: {Max: perMinute, Window: time.Minute}}
}

// openIssuing builds the document vault and the issuer service over the
// database: the vault keeps documents encrypted, issuers push into it.
func (a *app) openIssuing(ctx context.Context) error {
	reg, err := vault.NewRegistry()
	if err != nil {
		return err
	}
	vk, err := vault.LoadIndexKey(ctx, a.keys)
	if err != nil {
		return err
	}
	a.inboxNotes = &inboxNotes{n: a.accounts.Notifications}
	a.docNotes.add(a.inboxNotes)
	if a.vault, err = vault.NewService(a.db, a.keys, reg, a.audit, a.db.Now, a.log, vault.Options{IndexKey: vk, Notifier: &a.docNotes}); err != nil {
		return err
	}
	ik, err := a.keys.LoadOrCreateSecret(ctx, issuer.SecretIndex)
	if err != nil {
		return fmt.Errorf("issuer index key: %w", err)
	}
	a.issuers, err = issuer.New(issuer.Config{Store: a.db, Vault: a.vault, Citizens: a.accounts.Citizens, Types: issuer.TypesOf(reg),
		Audit: a.audit, IndexKey: ik, Clock: a.db.Now, Logger: a.log, Rate: account.Rate{Max: a.cfg.IssuerRate, Window: time.Minute},
		Notifier: a.accounts.Notifications}) // decisions on confirmation requests reach the inbox
	return err
}

// openKeyBackends returns the backend that makes new keys and the others
// that still open older keys: after moving from file to pkcs11, the file
// backend keeps unwrapping data wrapped before the move.
func (a *app) openKeyBackends(cfg Config) (keys.Backend, []keys.Backend, error) {
	var file keys.Backend
	if cfg.KeyStore == "file" || cfg.MasterKey != "" {
		master, err := keys.LoadOrCreateMasterKey(cfg.MasterKeyFile, cfg.MasterKey)
		if err != nil {
			return nil, nil, fmt.Errorf("master key: %w", err)
		}
		fb, err := keys.NewFileBackend(master)
		if err != nil {
			return nil, nil, err
		}
		file = fb
	}
	if cfg.KeyStore != "pkcs11" {
		return file, nil, nil
	}
	hsm, err := pkcs11.Open(pkcs11.Config{Module: cfg.PKCS11Module, TokenLabel: cfg.PKCS11Token, PIN: cfg.PKCS11PIN})
	if err != nil {
		return nil, nil, fmt.Errorf("pkcs11: %w", err)
	}
	a.closers = append(a.closers, hsm.Close)
	var others []keys.Backend
	if file != nil {
		others = append(others, file)
	}
	return hsm, others, nil
}

// openSender picks the SMS sender: the outbox in development, or the gateway.
func (a *app) openSender(cfg Config) error {
	m, err := sms.NewMetrics(a.metrics)
	if err != nil {
		return err
	}
	if cfg.SMS != "http" {
		a.sender = m.Instrument("outbox", a.outbox)
		return nil
	}
	gw, err := sms.NewGateway(sms.GatewayConfig{URL: cfg.SMSURL, AuthHeader: cfg.SMSAuthHeader, AuthValue: cfg.SMSAuthValue}, a.log)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	a.sender = m.Instrument("gateway", gw)
	return nil
}

// Close releases everything openApp opened, newest first.
func (a *app) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// newLogger builds the process logger (to stderr) from the config.
func newLogger(e env, cfg Config) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return web.NewLogger(e.stderr, cfg.LogFormat, level), nil
}
