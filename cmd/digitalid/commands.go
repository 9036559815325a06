package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
	"github.com/digitalid/digitalid/web/issuerapi"
)

// start parses a command's flags, builds the logger and opens the app. It
// returns the exit status when the command must end here, or -1.
func start(ctx context.Context, e env, name string, register func(*flag.FlagSet, *Config), args []string, extra func(*flag.FlagSet)) (*app, *flag.FlagSet, int) {
	var cfg Config
	both := func(fs *flag.FlagSet, c *Config) {
		register(fs, c)
		if extra != nil {
			extra(fs)
		}
	}
	fs, code := parseCommand(e, name, &cfg, both, args)
	if code >= 0 {
		return nil, fs, code
	}
	log, err := newLogger(e, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid %s: %v\n", name, err)
		return nil, fs, 2
	}
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		log.Error("start failed", "command", name, "err", err)
		fmt.Fprintf(e.stderr, "digitalid %s: %v\n", name, err)
		return nil, fs, 1
	}
	return a, fs, -1
}

func runServe(ctx context.Context, e env, args []string) int {
	a, _, code := start(ctx, e, "serve", serveFlags, args, nil)
	if code >= 0 {
		return code
	}
	defer a.Close()
	if e.stderr == os.Stderr {
		// Libraries that log through slog.Default (zitadel's OpenID
		// provider) then go through the same redacting handler. Only for
		// the real process: tests run serve with their own writers.
		slog.SetDefault(a.log)
	}
	if a.cfg.Demo {
		cred, err := a.seedDemo(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "digitalid serve --demo: %v\n", err)
			return 1
		}
		if cred != "" {
			fmt.Fprintf(e.stdout, "demo verifier %q: sign in at %s/verifier/signin with these credentials (shown once;\n"+
				"`digitalid admin verifier rotate-secret` makes new ones):\n%s\n", demoVerifierName, a.cfg.PublicURL, cred)
		}
	}
	srv, err := newServer(a)
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid serve: %v\n", err)
		return 1
	}
	pctx, cancel := context.WithCancel(ctx)
	purged := make(chan struct{})
	go func() {
		defer close(purged)
		purgeAccounts(pctx, a, purgeEvery)
	}()
	defer func() { cancel(); <-purged }() // before a.Close: the purge uses the database
	swept := a.sweepCredentials(pctx)     // wire_credential.go
	defer func() { cancel(); <-swept }()
	a.log.Info("digitalid serving", "addr", a.cfg.Addr, "public_url", a.cfg.PublicURL,
		"db", string(a.db.Dialect()), "keystore", a.cfg.KeyStore, "sms", a.cfg.SMS, "version", version)
	if err := srv.Run(ctx); err != nil {
		a.log.Error("server stopped", "err", err)
		fmt.Fprintf(e.stderr, "digitalid serve: %v\n", err)
		return 1
	}
	a.log.Info("digitalid stopped cleanly")
	return 0
}

// newServer builds the web server with every route of the platform. Later
// capabilities register their routes here.
func newServer(a *app) (*web.Server, error) {
	srv, err := web.New(web.Config{
		Addr:            a.cfg.Addr,
		PublicURL:       a.cfg.PublicURL,
		TLSCert:         a.cfg.TLSCert,
		TLSKey:          a.cfg.TLSKey,
		MaxBodyBytes:    a.cfg.MaxBody,
		ShutdownTimeout: a.cfg.ShutdownTimeout,
		Version:         version,
		TrustedProxies:  a.cfg.Proxies,
		ClientIPHeader:  a.cfg.ClientIPHeader,
	}, web.Deps{Logger: a.log, DB: a.db, Keys: a.keys, Metrics: a.metrics})
	if err != nil {
		return nil, err
	}
	if err := citizen.Register(srv, citizen.Deps{Accounts: a.accounts, Logger: a.log, Clock: a.db.Now, Vault: a.vault, Proofing: a.proofing,
		Confirmations: a.issuers}); err != nil {
		return nil, err
	}
	if err := issuerapi.Register(srv, issuerapi.Deps{Issuers: a.issuers, Logger: a.log, Clock: a.db.Now}); err != nil {
		return nil, err
	}
	if err := registerOIDC(context.Background(), srv, a); err != nil { // wire_oidc.go
		return nil, err
	}
	if err := registerCredentials(srv, a); err != nil { // wire_credential.go
		return nil, err
	}
	if err := registerRecovery(srv, a); err != nil { // wire_recovery.go
		return nil, err
	}
	if err := registerPresent(srv, a); err != nil { // wire_present.go
		return nil, err
	}
	if err := registerHistory(context.Background(), srv, a); err != nil { // wire_history.go
		return nil, err
	}
	if err := registerConfirm(srv, a); err != nil { // wire_confirm.go
		return nil, err
	}
	return srv, nil
}

// purge deletes what has expired: account codes, counters, sessions,
// passkey ceremonies and proofing challenges, used issuer assertion ids and
// old idempotency keys; and it shreds and removes accounts deleted more than
// 30 days ago. Each step is idempotent and safe on several instances.
func (a *app) purge(ctx context.Context) (int64, error) {
	steps := []func(context.Context) (int64, error){
		a.accounts.Purge,
		a.proofing.Purge,
		a.issuers.PurgeAssertions,
		a.vault.PurgeIdempotencyKeys,
		a.issuers.PromoteOfAge, // not a purge: citizens who turned 14 are raised to standard
		a.purgeOIDC,            // wire_oidc.go
		a.recovery.Purge,       // wire_recovery.go
		a.present.Purge,        // wire_present.go
		func(ctx context.Context) (int64, error) { // accounts deleted > 30 days ago: shred, then delete
			k, err := a.accounts.PurgeDeleted(ctx, a.vault.ShredCitizen)
			return int64(k), err
		},
	}
	var total int64
	for _, step := range steps {
		n, err := step(ctx)
		if total += n; err != nil {
			return total, err
		}
	}
	return total, nil
}

// purgeEvery is how often serve deletes expired codes, counters and
// sessions. Every instance runs it; the purge is idempotent.
const purgeEvery = time.Hour

// purgeAccounts runs the account purge now and then every interval until
// ctx is cancelled. A failure is logged and retried at the next tick.
func purgeAccounts(ctx context.Context, a *app, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := a.purge(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			a.log.Warn("account purge failed", "err", err)
		default:
			a.log.Debug("account purge", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func runMigrate(ctx context.Context, e env, args []string) int {
	var cfg Config
	var status bool
	fs, code := parseCommand(e, "migrate", &cfg, func(fs *flag.FlagSet, c *Config) {
		storageFlags(fs, c)
		fs.BoolVar(&status, "status", false, "list migrations and whether each is applied, change nothing")
	}, args)
	if code >= 0 {
		return code
	}
	_ = fs
	db, err := store.Open(ctx, cfg.DB, store.Options{SkipMigrate: true})
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid migrate: %v\n", err)
		return 1
	}
	defer db.Close()
	if !status {
		if err := db.Migrate(ctx); err != nil {
			fmt.Fprintf(e.stderr, "digitalid migrate: %v\n", err)
			return 1
		}
	}
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid migrate: %v\n", err)
		return 1
	}
	pending := 0
	for _, m := range st {
		mark := "applied"
		if !m.Applied {
			mark = "pending"
			pending++
		}
		fmt.Fprintf(e.stdout, "%04d %-24s %s\n", m.Version, m.Name, mark)
	}
	fmt.Fprintf(e.stdout, "%s database: %d migrations, %d pending\n", db.Dialect(), len(st), pending)
	return 0
}

func runAudit(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			args = []string{"verify", "--help"}
		} else {
			fmt.Fprintf(e.stderr, "digitalid audit: want `digitalid audit verify`\n")
			return 2
		}
	}
	a, _, code := start(ctx, e, "audit", storageFlags, args[1:], nil)
	if code >= 0 {
		return code
	}
	defer a.Close()
	last := time.Now()
	res, err := a.audit.Verify(ctx, func(p audit.VerifyProgress) {
		if time.Since(last) > 2*time.Second {
			last = time.Now()
			fmt.Fprintf(e.stderr, "verifying: %+v\n", p)
		}
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid audit verify: %v\n", err)
		return 1
	}
	fmt.Fprintln(e.stdout, res.String())
	if !res.OK() {
		return 1
	}
	return 0
}

func runSMS(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "outbox" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			args = []string{"outbox", "--help"}
		} else {
			fmt.Fprintf(e.stderr, "digitalid sms: want `digitalid sms outbox`\n")
			return 2
		}
	}
	var to string
	var limit int
	a, _, code := start(ctx, e, "sms", storageFlags, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "only messages to this phone number (E.164, e.g. +77011234567)")
		fs.IntVar(&limit, "limit", 20, "how many messages to show, newest first")
	})
	if code >= 0 {
		return code
	}
	defer a.Close()
	entries, err := a.outbox.List(ctx, sms.ListOptions{To: to, Limit: limit})
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid sms outbox: %v\n", err)
		return 1
	}
	if err := sms.PrintOutbox(e.stdout, entries); err != nil {
		return 1
	}
	return 0
}

func runKeys(ctx context.Context, e env, args []string) int {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "list", "rotate":
	case "-h", "--help":
		sub, args = "list", []string{"list", "--help"}
	default:
		fmt.Fprintf(e.stderr, "digitalid keys: want `digitalid keys list` or `digitalid keys rotate`\n")
		return 2
	}
	var purpose, alg string
	a, _, code := start(ctx, e, "keys", storageFlags, args[1:], func(fs *flag.FlagSet) {
		if sub == "rotate" {
			fs.StringVar(&purpose, "purpose", "sign", "which key to rotate: sign or wrap")
			fs.StringVar(&alg, "alg", "ES256", "algorithm of the key to rotate: ES256, EdDSA (sign) or A256GCM (wrap)")
		}
	})
	if code >= 0 {
		return code
	}
	defer a.Close()
	if sub == "rotate" {
		k, err := a.keys.Rotate(ctx, keys.Purpose(purpose), keys.Alg(alg))
		if err != nil {
			fmt.Fprintf(e.stderr, "digitalid keys rotate: %v\n", err)
			return 1
		}
		fmt.Fprintf(e.stdout, "new active %s key %s (%s); the previous one is retired\n", k.Alg, k.ID, k.Purpose)
		return 0
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPURPOSE\tALG\tBACKEND\tSTATE\tCREATED\tRETIRED\tPUBLISHED UNTIL")
	for _, p := range []keys.Purpose{keys.PurposeSign, keys.PurposeWrap} {
		recs, err := a.db.KeyRecords(ctx, p)
		if err != nil {
			fmt.Fprintf(e.stderr, "digitalid keys list: %v\n", err)
			return 1
		}
		for _, r := range recs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Purpose, r.Alg, r.Backend, r.State,
				day(r.CreatedAt), day(r.RetiredAt), day(r.ExpiresAt))
		}
	}
	tw.Flush()
	return 0
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
