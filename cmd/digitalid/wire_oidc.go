package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/digitalid/digitalid/credential"
	"github.com/digitalid/digitalid/oidc"
	"github.com/digitalid/digitalid/vault"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/oidcweb"
)

// openOIDC builds the relying-party service over the app's database, with
// a scope per vault document type and the pairwise-subject secret from the
// KeyStore (the same on every instance).
func (a *app) openOIDC(ctx context.Context) (*oidc.Service, *vault.Registry, error) {
	reg, err := vault.NewRegistry()
	if err != nil {
		return nil, nil, err
	}
	var types []string
	for _, t := range reg.Types() {
		types = append(types, t.ID())
	}
	pk, err := a.keys.LoadOrCreateSecret(ctx, oidc.SecretPairwise)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc pairwise key: %w", err)
	}
	svc, err := oidc.New(oidc.Config{Store: a.db, Audit: a.audit, Citizens: a.accounts.Citizens, Devices: a.accounts.Sessions,
		PairwiseKey: pk, DocumentTypes: types, Attestations: credential.Types(), Clock: a.db.Now, Logger: a.log})
	return svc, reg, err
}

// registerOIDC mounts the OpenID Connect provider, the consent pages and
// the consents and relying-party documents APIs on srv.
func registerOIDC(ctx context.Context, srv *web.Server, a *app) error {
	svc, reg, err := a.openOIDC(ctx)
	if err != nil {
		return err
	}
	tk, err := a.keys.LoadOrCreateSecret(ctx, oidc.SecretTokens)
	if err != nil {
		return fmt.Errorf("oidc token key: %w", err)
	}
	p, err := svc.NewProvider(srv.PublicURL(), a.keys, tk)
	if err != nil {
		return err
	}
	d := oidcweb.Deps{OIDC: svc, Provider: p, Accounts: a.accounts, Vault: a.vault, Labels: reg, Signer: a.keys, Logger: a.log, Clock: a.db.Now}
	if a.credentials != nil {
		d.Attestations = a.credentials
	}
	return oidcweb.Register(srv, d)
}

// purgeOIDC deletes expired authorization requests, tokens and assertion ids.
func (a *app) purgeOIDC(ctx context.Context) (int64, error) {
	svc, _, err := a.openOIDC(ctx)
	if err != nil {
		return 0, err
	}
	return svc.Purge(ctx)
}

// runAdminRP is `digitalid admin rp add|list|disable`.
func runAdminRP(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "digitalid admin rp: want `digitalid admin rp add|list|disable [flags]`")
		return 2
	}
	verb, rest := args[0], args[1:]
	if verb != "add" && verb != "list" && verb != "disable" {
		fmt.Fprintf(e.stderr, "digitalid admin rp: unknown action %q (add, list, disable)\n", verb)
		return 2
	}
	var id, name, redirects, logouts, scopes, required, jwksFile, logo, operator string
	var secret bool
	var days int
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&operator, "operator", os.Getenv("USER"), "who is acting, for the audit log")
		switch verb {
		case "add":
			fs.StringVar(&name, "name", "", "the service's name, shown on the consent page")
			fs.StringVar(&redirects, "redirect-uri", "", "comma-separated redirect URIs (https; http only on loopback)")
			fs.StringVar(&logouts, "post-logout-uri", "", "comma-separated post-logout redirect URIs")
			fs.StringVar(&scopes, "scopes", "openid", "comma-separated scopes it may ask for: openid, offline_access, document:<type>")
			fs.StringVar(&required, "required-scopes", "", "comma-separated scopes the citizen cannot untick")
			fs.StringVar(&jwksFile, "jwks", "", "file with its public keys (a JWKS), for private_key_jwt")
			fs.BoolVar(&secret, "secret", false, "development only: client_secret_basic with a generated secret, printed once")
			fs.StringVar(&logo, "logo", "", "https URL of its logo")
			fs.IntVar(&days, "consent-days", oidc.DefaultConsentDays, "how many days a consent lasts")
		case "disable":
			fs.StringVar(&id, "id", "", "the client id")
		}
	}
	a, _, code := start(ctx, e, "admin", storageFlags, rest, extra)
	if code >= 0 {
		return code
	}
	defer a.Close()
	if operator == "" {
		operator = "cli"
	}
	svc, _, err := a.openOIDC(ctx)
	if err == nil {
		switch verb {
		case "add":
			err = adminRPAdd(ctx, e, svc, operator, oidc.NewClient{Name: name, LogoURL: logo, RedirectURIs: splitList(redirects),
				PostLogoutURIs: splitList(logouts), Scopes: splitList(scopes), RequiredScopes: splitList(required),
				DevSecret: secret, ConsentDays: days}, jwksFile)
		case "disable":
			if err = svc.DisableClient(ctx, operator, id); err == nil {
				fmt.Fprintf(e.stdout, "relying party %s disabled; its tokens are revoked\n", id)
			}
		default:
			err = adminRPList(ctx, e, svc)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid admin rp %s: %v\n", verb, describe(err))
		return 1
	}
	return 0
}

func adminRPAdd(ctx context.Context, e env, svc *oidc.Service, operator string, n oidc.NewClient, jwksFile string) error {
	if jwksFile != "" {
		b, err := os.ReadFile(jwksFile)
		if err != nil {
			return fmt.Errorf("--jwks: %w", err)
		}
		n.PublicKeys = b
	}
	c, secret, err := svc.AddClient(ctx, operator, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "relying party added\nclient_id: %s\nauth: %s\nscopes: %s\n", c.ID, c.AuthMethod, strings.Join(c.Scopes, " "))
	if secret != "" {
		fmt.Fprintf(e.stdout, "client_secret: %s\n(development only; shown once)\n", secret)
	}
	return nil
}

func adminRPList(ctx context.Context, e env, svc *oidc.Service) error {
	l, err := svc.Clients(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tAUTH\tCONSENT DAYS\tSCOPES\tNAME")
	for _, c := range l {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", c.ID, c.Status, c.AuthMethod, c.ConsentDays, strings.Join(c.Scopes, ","), c.Name)
	}
	return w.Flush()
}
