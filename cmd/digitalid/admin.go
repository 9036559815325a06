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

// runAdmin is `digitalid admin issuer add|list|disable`.
func runAdmin(ctx context.Context, e env, args []string) int {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		args = []string{"issuer", "add", "--help"} // the fullest flag set
	}
	if len(args) < 2 || args[0] != "issuer" {
		fmt.Fprintln(e.stderr, "digitalid admin: want `digitalid admin issuer add|list|disable [flags]`")
		return 2
	}
	verb, rest := args[1], args[2:]
	var id, name, types, jwksFile, operator string
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&operator, "operator", os.Getenv("USER"), "who is acting, for the audit log")
		switch verb {
		case "add":
			fs.StringVar(&name, "name", "", "the issuer's name, for people")
			fs.StringVar(&types, "types", "", "comma-separated vault document types it may issue")
			fs.StringVar(&jwksFile, "jwks", "", "file with its public signing keys (a JWKS)")
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
		err = adminAdd(ctx, e, svc, operator, issuer.Issuer{ID: id, Name: name, AllowedTypes: splitList(types)}, jwksFile)
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

func adminAdd(ctx context.Context, e env, svc *issuer.Service, operator string, i issuer.Issuer, jwksFile string) error {
	b, err := os.ReadFile(jwksFile)
	if err != nil {
		return fmt.Errorf("--jwks: %w", err)
	}
	if err := json.Unmarshal(b, &i.PublicKeys); err != nil {
		return fmt.Errorf("--jwks %s is not a JWKS: %w", jwksFile, err)
	}
	got, err := svc.Add(ctx, operator, i)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "issuer %s added: %s, %d key(s)\n", got.ID, strings.Join(got.AllowedTypes, ","), len(got.PublicKeys.Keys))
	return nil
}

func adminList(ctx context.Context, e env, svc *issuer.Service) error {
	l, err := svc.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tKEYS\tTYPES\tNAME")
	for _, i := range l {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", i.ID, i.Status, len(i.PublicKeys.Keys), strings.Join(i.AllowedTypes, ","), i.Name)
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
