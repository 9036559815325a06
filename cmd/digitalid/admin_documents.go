package main

import (
	"context"
	"fmt"
	"text/tabwriter"
)

// runAdminDocuments is `digitalid admin documents`: how many documents the
// vault holds by type, source and status. It is all an operator may know of
// the vault's contents: no citizen, no field, no file.
func runAdminDocuments(ctx context.Context, e env, args []string) int {
	a, _, code := start(ctx, e, "admin", storageFlags, args, nil)
	if code >= 0 {
		return code
	}
	defer a.Close()
	counts, err := a.vault.Counts(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid admin documents: %v\n", err)
		return 1
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TYPE\tSOURCE\tSTATUS\tDOCUMENTS")
	var total int64
	for _, c := range counts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", c.TypeID, c.Source, c.Status, c.N)
		total += c.N
	}
	fmt.Fprintf(w, "total\t\t\t%d\n", total)
	if err := w.Flush(); err != nil {
		return 1
	}
	return 0
}
