package main

import (
	"crypto/rand"
	"encoding/base32"
	"flag"
	"io"
	"log/slog"
	"sort"
	"strings"
)

func newTestFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func sortStrings(s []string) []string { sort.Strings(s); return s }

// randomChainID returns a citizen-style id ("c_" + lower-case base32), the
// shape the audit log accepts as an opaque reference.
func randomChainID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "c_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
