package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/issuer"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Limits of `digitalid import`.
const (
	importMaxLine   = 1 << 20 // bytes in one line
	importShowFirst = 20      // rejected lines listed in the summary
)

// importLine is one line of an import file: what an issuer would send.
type importLine struct {
	Ref            string            `json:"ref"`
	Citizen        issuer.CitizenRef `json:"citizen"`
	Type           string            `json:"type"`
	Document       string            `json:"document"`
	IdempotencyKey string            `json:"idempotency_key"`
}

// importSummary counts what an import did.
type importSummary struct {
	lines, accepted int
	reasons         map[string]int
	first           []string // "line N: reason: message"
}

func (s *importSummary) reject(n int, reason, msg string) {
	s.reasons[reason]++
	if len(s.first) < importShowFirst {
		s.first = append(s.first, fmt.Sprintf("line %d: %s: %s", n, reason, msg))
	}
}

// runImport is `digitalid import FILE.jsonl|- --issuer ID`: each line goes
// through the same flow as the issuer API (document signature, type, fields,
// citizen, idempotency), a bad line never stops the others, and a summary
// ends it. Exit status 1 when any line was rejected.
func runImport(ctx context.Context, e env, args []string) int {
	var file, issuerID string
	if len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		file, args = args[0], args[1:]
	}
	a, fs, code := start(ctx, e, "import", storageFlags, args, func(fs *flag.FlagSet) {
		fs.StringVar(&issuerID, "issuer", "", "the issuer the documents come from (its keys check their signatures)")
	})
	if code >= 0 {
		return code
	}
	defer a.Close()
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" || issuerID == "" {
		fmt.Fprintln(e.stderr, "digitalid import: want `digitalid import FILE.jsonl|- --issuer ID`")
		return 2
	}
	in := e.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintf(e.stderr, "digitalid import: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	svc := a.issuers
	iss, err := svc.Get(ctx, issuerID)
	if err == nil && iss.Status != issuer.StatusActive {
		err = fmt.Errorf("issuer %s is disabled", issuerID)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid import: %v\n", err)
		return 1
	}
	sum, err := importLines(ctx, svc, iss, in, e.stderr)
	printSummary(e.stdout, sum)
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid import: stopped at line %d: %v\n", sum.lines, err)
		return 1
	}
	if sum.accepted < sum.lines {
		return 1
	}
	return 0
}

// progress reports how far an import is: a progress bar on a terminal, a
// plain line every progressEvery lines otherwise (logs, pipes, tests). The
// bar renders from a goroutine of its own, so it is used only where nothing
// reads the output back while it runs.
type progress interface {
	Add(n int) error
	Finish() error
}

const progressEvery = 10000

type lineCounter struct {
	w io.Writer
	n int
}

func (c *lineCounter) Add(n int) error {
	c.n += n
	if c.n%progressEvery == 0 {
		_, err := fmt.Fprintf(c.w, "importing: %d lines\n", c.n)
		return err
	}
	return nil
}

func (c *lineCounter) Finish() error { return nil }

func newProgress(w io.Writer) progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("lines"),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return &lineCounter{w: w}
}

// importLines pushes every line of in, reporting progress on w.
func importLines(ctx context.Context, svc *issuer.Service, iss issuer.Issuer, in io.Reader, w io.Writer) (*importSummary, error) {
	sum := &importSummary{reasons: map[string]int{}}
	bar := newProgress(w)
	defer bar.Finish()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), importMaxLine)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		sum.lines++
		_ = bar.Add(1)
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			sum.reject(sum.lines, "empty_line", "the line is empty")
			continue
		}
		var l importLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			sum.reject(sum.lines, "malformed_json", "the line is not a JSON object of the import format")
			continue
		}
		_, err := svc.Push(ctx, iss, issuer.Push{Ref: l.Ref, Citizen: l.Citizen, Type: l.Type, Document: l.Document, IdempotencyKey: l.IdempotencyKey})
		if err != nil {
			reason, msg := reasonOf(err)
			sum.reject(sum.lines, reason, msg)
			continue
		}
		sum.accepted++
	}
	if err := sc.Err(); err != nil {
		return sum, err
	}
	return sum, nil
}

// reasonOf names why a line was refused: the error's field and code for
// invalid input, its message key otherwise; msg is safe to print (it holds
// no personal data: the domain's messages never quote values).
func reasonOf(err error) (reason, msg string) {
	de := asError(err)
	if de == nil {
		return "internal", "internal error (see the log)"
	}
	reason = strings.TrimPrefix(strings.TrimPrefix(de.Key, "issuer.error."), "vault.error.")
	if reason == "" {
		reason = de.Code
	}
	if len(de.Fields) > 0 {
		f := de.Fields[0]
		reason = "invalid:" + f.Field + ":" + f.Code
		return reason, f.Message
	}
	return reason, de.Message
}

func asError(err error) *digitalid.Error {
	var de *digitalid.Error
	if errors.As(err, &de) {
		return de
	}
	return nil
}

func printSummary(w io.Writer, s *importSummary) {
	fmt.Fprintf(w, "%d lines: %d accepted, %d rejected\n", s.lines, s.accepted, s.lines-s.accepted)
	reasons := make([]string, 0, len(s.reasons))
	for r := range s.reasons {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "  %6d  %s\n", s.reasons[r], r)
	}
	if len(s.first) > 0 {
		fmt.Fprintf(w, "first rejected lines:\n")
		for _, l := range s.first {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}
