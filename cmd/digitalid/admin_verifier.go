package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/digitalid/digitalid/present"
)

// runAdminVerifier is `digitalid admin verifier add|list|disable|rotate-secret`:
// the organisations that scan Digital ID codes, the purposes each may ask
// for, and their API secret (printed once; only a keyed hash is stored).
func runAdminVerifier(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "digitalid admin verifier: want `digitalid admin verifier add|list|disable ID|rotate-secret ID [flags]`")
		return 2
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "add", "list", "disable", "rotate-secret":
	default:
		fmt.Fprintf(e.stderr, "digitalid admin verifier: unknown action %q (add, list, disable, rotate-secret)\n", verb)
		return 2
	}
	var id, name, purposes, operator string
	if (verb == "disable" || verb == "rotate-secret") && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		id, rest = rest[0], rest[1:]
	}
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&operator, "operator", os.Getenv("USER"), "who is acting, for the audit log")
		switch verb {
		case "add":
			fs.StringVar(&name, "name", "", "the verifier's name, shown to citizens in \"who checked my ID\"")
			fs.StringVar(&purposes, "purposes", "", "comma-separated purposes it may ask for: "+strings.Join(present.PurposeNames(), ", "))
		case "disable", "rotate-secret":
			fs.StringVar(&id, "id", id, "the verifier id (or give it as the first argument)")
		}
	}
	a, fs, code := start(ctx, e, "admin", storageFlags, rest, extra)
	if code >= 0 {
		return code
	}
	defer a.Close()
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	if operator == "" {
		operator = "cli"
	}
	var err error
	switch verb {
	case "add":
		var v present.Verifier
		var cred string
		if v, cred, err = a.present.AddVerifier(ctx, operator, name, splitList(purposes)); err == nil {
			fmt.Fprintf(e.stdout, "verifier %s added: %s (%s)\n", v.ID, v.Name, strings.Join(v.Purposes, ","))
			fmt.Fprintf(e.stdout, "API credentials (shown once; Authorization: Bearer <credentials>, or the scanner sign-in):\n%s\n", cred)
		}
		err = describe(err)
	case "disable":
		if err = needID(id); err == nil {
			if err = a.present.DisableVerifier(ctx, operator, id); err == nil {
				fmt.Fprintf(e.stdout, "verifier %s disabled; its staff are signed out\n", id)
			}
		}
	case "rotate-secret":
		if err = needID(id); err == nil {
			var cred string
			if cred, err = a.present.RotateSecret(ctx, operator, id); err == nil {
				fmt.Fprintf(e.stdout, "verifier %s has a new secret; the old one no longer works.\nAPI credentials (shown once):\n%s\n", id, cred)
			}
		}
	default:
		err = adminVerifierList(ctx, e, a.present)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid admin verifier %s: %v\n", verb, err)
		return 1
	}
	return 0
}

func needID(id string) error {
	if id == "" {
		return fmt.Errorf("the verifier id is required")
	}
	return nil
}

func adminVerifierList(ctx context.Context, e env, svc *present.Service) error {
	l, err := svc.Verifiers(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tPURPOSES\tCREATED\tSECRET ROTATED\tNAME")
	for _, v := range l {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.Status, strings.Join(v.Purposes, ","), day(v.CreatedAt), day(v.RotatedAt), v.Name)
	}
	return w.Flush()
}
