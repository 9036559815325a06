package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
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
	first           []rejected // the lowest line numbers, at most importShowFirst
}

type rejected struct {
	n    int
	text string // "line N: reason: message"
}

func (s *importSummary) reject(n int, reason, msg string) {
	s.reasons[reason]++
	if len(s.first) == importShowFirst && n > s.first[len(s.first)-1].n {
		return
	}
	s.first = append(s.first, rejected{n, fmt.Sprintf("line %d: %s: %s", n, reason, msg)})
	slices.SortFunc(s.first, func(a, b rejected) int { return a.n - b.n })
	if len(s.first) > importShowFirst {
		s.first = s.first[:importShowFirst]
	}
}

// runImport is `digitalid import FILE.jsonl|- --issuer ID`: each line goes
// through the same flow as the issuer API (document signature, type, fields,
// citizen, idempotency), a bad line never stops the others, and a summary
// ends it. Exit status 1 when any line was rejected.
func runImport(ctx context.Context, e env, args []string) int {
	var file, issuerID string
	var notify bool
	var workers int
	if len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		file, args = args[0], args[1:]
	}
	a, fs, code := start(ctx, e, "import", storageFlags, args, func(fs *flag.FlagSet) {
		fs.StringVar(&issuerID, "issuer", "", "the issuer the documents come from (its keys check their signatures)")
		fs.IntVar(&workers, "workers", 4, "lines pushed at once (1 to 64); the lines of one citizen stay in file order")
		fs.BoolVar(&notify, "notify", false, "put a note in each citizen's inbox (and text revocations), as an API push does; off for migrations")
	})
	if code >= 0 {
		return code
	}
	defer a.Close()
	a.inboxNotes.quiet = !notify
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
	if workers < 1 || workers > 64 {
		fmt.Fprintln(e.stderr, "digitalid import: --workers must be 1 to 64")
		return 2
	}
	sum, err := importLines(ctx, svc, iss, in, e.stderr, workers)
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

// importLines pushes every line of in with workers goroutines, reporting
// progress on w. Lines are dealt to workers by citizen (phone or SNILS), so
// the lines of one citizen are pushed in file order (an update after its
// document, a revocation after both) while different citizens' go at once.
func importLines(ctx context.Context, svc *issuer.Service, iss issuer.Issuer, in io.Reader, w io.Writer, workers int) (*importSummary, error) {
	sum := &importSummary{reasons: map[string]int{}}
	bar := newProgress(w)
	defer bar.Finish()
	type job struct {
		n int
		l importLine
	}
	type result struct {
		n           int
		reason, msg string // empty when accepted
	}
	results := make(chan result, 4*workers)
	queues := make([]chan job, workers)
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan job, 64)
		wg.Go(func() {
			for j := range queues[i] {
				_, err := svc.Push(ctx, iss, issuer.Push{Ref: j.l.Ref, Citizen: j.l.Citizen, Type: j.l.Type, Document: j.l.Document, IdempotencyKey: j.l.IdempotencyKey})
				r := result{n: j.n}
				if err != nil {
					r.reason, r.msg = reasonOf(err)
				}
				results <- r
			}
		})
	}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for r := range results {
			_ = bar.Add(1)
			if r.reason != "" {
				sum.reject(r.n, r.reason, r.msg)
				continue
			}
			sum.accepted++
		}
	}()
	err := func() error {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), importMaxLine)
		for n := 1; sc.Scan(); n++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			sum.lines = n
			raw := strings.TrimSpace(sc.Text())
			var l importLine
			switch {
			case raw == "":
				results <- result{n, "empty_line", "the line is empty"}
			case json.Unmarshal([]byte(raw), &l) != nil:
				results <- result{n, "malformed_json", "the line is not a JSON object of the import format"}
			default:
				h := fnv.New32a()
				h.Write([]byte(l.Citizen.Phone + "\x00" + l.Citizen.SNILS))
				queues[h.Sum32()%uint32(workers)] <- job{n, l}
			}
		}
		return sc.Err()
	}()
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	close(results)
	<-collected
	return sum, err
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
			fmt.Fprintf(w, "  %s\n", l.text)
		}
	}
}
