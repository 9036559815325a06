package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"
)

// runAdminReview is `digitalid admin review list|approve|reject`: the
// operator queue of failed video checks (account.Proofing). A review holds
// the citizen id, the service's reason code and a rounded score — never an
// image — so the operator looks at the video in the biometric service's own
// console and records the decision here.
func runAdminReview(ctx context.Context, e env, args []string) int {
	if len(args) < 1 || (args[0] != "list" && args[0] != "approve" && args[0] != "reject") {
		fmt.Fprintln(e.stderr, "digitalid admin review: want `digitalid admin review list|approve|reject [flags]`")
		return 2
	}
	verb, rest := args[0], args[1:]
	var id, operator string
	var limit int
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&operator, "operator", os.Getenv("USER"), "who is acting, for the audit log")
		if verb == "list" {
			fs.IntVar(&limit, "limit", 100, "how many open reviews to show, oldest first (1 to 500)")
		} else {
			fs.StringVar(&id, "id", "", "the review id (rv_…, from `admin review list`)")
		}
	}
	a, _, code := start(ctx, e, "admin", storageFlags, rest, extra)
	if code >= 0 {
		return code
	}
	defer a.Close()
	if verb == "list" {
		list, err := a.proofing.ReviewQueue(ctx, limit)
		if err != nil {
			fmt.Fprintf(e.stderr, "digitalid admin review list: %v\n", err)
			return 1
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tCITIZEN\tPURPOSE\tREASON\tSCORE\tCREATED")
		for _, r := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.1f\t%s\n", r.ID, r.CitizenID, r.Purpose, r.Reason, r.Score, r.CreatedAt.UTC().Format(time.RFC3339))
		}
		_ = w.Flush()
		return 0
	}
	if id == "" {
		fmt.Fprintf(e.stderr, "digitalid admin review %s: --id is required\n", verb)
		return 2
	}
	d, err := a.proofing.DecideReview(ctx, operator, id, verb == "approve")
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid admin review %s: %v\n", verb, err)
		return 1
	}
	fmt.Fprintf(e.stdout, "review %s %s", d.Review.ID, d.Review.Status)
	if d.Raised {
		fmt.Fprintf(e.stdout, "; citizen %s raised to high", d.Review.CitizenID)
	}
	if d.Unlocked {
		fmt.Fprint(e.stdout, "; biometric block lifted")
	}
	fmt.Fprintln(e.stdout)
	return 0
}
