package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/digitalid/digitalid/issuer"
)

// runAdmin is `digitalid admin issuer add|list|disable`, and dispatches
// `admin review` (admin_review.go), `admin rp` (wire_oidc.go) and `admin
// verifier` (admin_verifier.go).
func runAdmin(ctx context.Context, e env, args []string) int {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		args = []string{"issuer", "add", "--help"} // the fullest flag set
	}
	if len(args) > 0 && args[0] == "review" {
		return runAdminReview(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "rp" {
		return runAdminRP(ctx, e, args[1:]) // wire_oidc.go
	}
	if len(args) > 0 && args[0] == "documents" {
		return runAdminDocuments(ctx, e, args[1:]) // admin_documents.go
	}
	if len(args) > 0 && args[0] == "verifier" {
		return runAdminVerifier(ctx, e, args[1:]) // admin_verifier.go
	}
	if len(args) < 2 || args[0] != "issuer" {
		fmt.Fprintln(e.stderr, "digitalid admin: want `digitalid admin issuer|verifier|rp|review ACTION [flags]` or `digitalid admin documents`; `digitalid help admin` lists the actions")
		return 2
	}
	verb, rest := args[1], args[2:]
	var id, name, types, jwksFile, certFile, operator string
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&operator, "operator", os.Getenv("USER"), "who is acting, for the audit log")
		switch verb {
		case "add":
			fs.StringVar(&name, "name", "", "the issuer's name, for people")
			fs.StringVar(&types, "types", "", "comma-separated vault document types it may issue")
			fs.StringVar(&jwksFile, "jwks", "", "file with its public signing keys (a JWKS)")
			fs.StringVar(&certFile, "client-cert", "", "optional: its TLS client certificate (PEM), to authenticate by mutual TLS (RFC 8705) instead of a client assertion")
			fallthrough
		case "disable":
			fs.StringVar(&id, "id", "", "the issuer id (a short slug, e.g. mvd)")
		}
	}
	if verb != "add" && verb != "list" && verb != "disable" {
		fmt.Fprintf(e.stderr, "digitalid admin issuer: unknown action %q (add, list, disable)\n", verb)
		return 2
	}
	a, _, code := start(ctx, e, "admin", storageFlags, rest, extra)
	if code >= 0 {
		return code
	}
	defer a.Close()
	svc := a.issuers
	var err error
	if operator == "" {
		operator = "cli"
	}
	switch verb {
	case "add":
		err = adminAdd(ctx, e, svc, operator, issuer.Issuer{ID: id, Name: name, AllowedTypes: splitList(types)}, jwksFile, certFile)
	case "disable":
		if err = svc.Disable(ctx, operator, id); err == nil {
			fmt.Fprintf(e.stdout, "issuer %s disabled\n", id)
		}
	default:
		err = adminList(ctx, e, svc)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid admin issuer %s: %v\n", verb, err)
		return 1
	}
	return 0
}

func adminAdd(ctx context.Context, e env, svc *issuer.Service, operator string, i issuer.Issuer, jwksFile, certFile string) error {
	b, err := os.ReadFile(jwksFile)
	if err != nil {
		return fmt.Errorf("--jwks: %w", err)
	}
	if err := json.Unmarshal(b, &i.PublicKeys); err != nil {
		return fmt.Errorf("--jwks %s is not a JWKS: %w", jwksFile, err)
	}
	var certPEM []byte
	if certFile != "" { // checked before the issuer is added
		if certPEM, err = os.ReadFile(certFile); err != nil {
			return fmt.Errorf("--client-cert: %w", err)
		}
		if _, err := issuer.ParseCertPEM(certPEM); err != nil {
			return fmt.Errorf("--client-cert %s: %w", certFile, err)
		}
	}
	got, err := svc.Add(ctx, operator, i)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "issuer %s added: %s, %d key(s)\n", got.ID, strings.Join(got.AllowedTypes, ","), len(got.PublicKeys.Keys))
	if certPEM != nil {
		tp, err := svc.AddClientCert(ctx, operator, got.ID, certPEM)
		if err != nil {
			return fmt.Errorf("--client-cert %s (the issuer is added without it): %w", certFile, err)
		}
		fmt.Fprintf(e.stdout, "client certificate registered: x5t#S256 %s\n", tp)
	}
	return nil
}

func adminList(ctx context.Context, e env, svc *issuer.Service) error {
	l, err := svc.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tKEYS\tCERTS\tTYPES\tNAME")
	for _, i := range l {
		certs, err := svc.ClientCerts(ctx, i.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\n", i.ID, i.Status, len(i.PublicKeys.Keys), len(certs), strings.Join(i.AllowedTypes, ","), i.Name)
	}
	return w.Flush()
}

// describe adds the field errors of a digitalid error to its text.
func describe(err error) error {
	var fes []string
	if de := asError(err); de != nil {
		for _, f := range de.Fields {
			fes = append(fes, f.Field+": "+f.Message)
		}
	}
	if len(fes) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(fes, "; "))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
