package main

import (
	"flag"
	"io"
	"log/slog"
	"sort"
)

func newTestFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func sortStrings(s []string) []string { sort.Strings(s); return s }
