package sms

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// PrintOutbox writes entries as a table for a terminal: time (UTC), number,
// purpose, id and text, one message a line. Control characters in a text
// (newlines, tabs, terminal escapes) are shown as spaces so that each
// message stays on its line and cannot drive the terminal, and so are
// invisible format characters such as bidirectional overrides.
func PrintOutbox(w io.Writer, entries []OutboxEntry) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "The outbox is empty.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tTO\tPURPOSE\tID\tTEXT")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n",
			e.CreatedAt.UTC().Format(time.DateTime), printable(e.To), printable(e.Purpose), printable(e.ID), printable(e.Body))
	}
	return tw.Flush()
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) { // Cf: bidi overrides and the like
			return ' '
		}
		return r
	}, s)
}
