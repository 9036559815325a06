package main

import (
	"flag"
	"io"
	"log/slog"
	"sort"

	"github.com/digitalid/digitalid/account"
)

func newTestFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func sortStrings(s []string) []string { sort.Strings(s); return s }

// randomChainID returns a citizen id made the way production makes them.
// A hand-rolled "c_" + base32 copy failed about once in 1,500 draws: a run of
// six digits made the audit log refuse it as personal data (see
// account.NewID).
func randomChainID() string { return account.NewCitizenID() }
