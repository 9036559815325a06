package main

import (
	"bufio"
	"bytes"
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
	"github.com/digitalid/digitalid/vault"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Limits of `digitalid import`.
const (
	// importMaxLine bounds one line (without its end): the largest line
	// allowed, a push body of the issuer API (issuerapi.MaxBodyBytes: a
	// document and a vault.MaxPhotoSize portrait in base64, about 780 KiB)
	// with the line's ref and keys, fits with room to spare. A longer line
	// is that line's error.
	importMaxLine = 1 << 20
	// importInFlight bounds the bytes of the lines read but not yet pushed
	// (queued or being pushed), so that lines carrying photos keep memory
	// bounded whatever --workers is.
	importInFlight  = 16 * importMaxLine
	importShowFirst = 20 // rejected lines listed in the summary
)

// importLine is one line of an import file: what an issuer would send,
// named as in the issuer API's push (PUT /api/v1/issuer/documents/{ref},
// whose path gives the ref and header the idempotency key).
type importLine struct {
	Ref            string            `json:"ref"`
	Citizen        issuer.CitizenRef `json:"citizen"`
	Type           string            `json:"type"`
	Document       string            `json:"document"`
	IdempotencyKey string            `json:"idempotency_key"`
	// Photo is a passport's portrait as the API's push carries it: base64
	// (standard alphabet, padded) of a JPEG or PNG, named in the signed
	// document by issuer.PhotoClaim. A line without one removes the stored
	// portrait, as a push without one does.
	Photo string `json:"photo,omitempty"`
}

// decodeImportLine decodes one line of an import file (outside bytes) into
// the push it stands for. A refused line gives the reason and message the
// summary lists; the photo's bytes are judged by issuer.Service.Push.
func decodeImportLine(raw []byte) (p issuer.Push, reason, msg string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return issuer.Push{}, "empty_line", "the line is empty"
	}
	var l importLine
	if json.Unmarshal(raw, &l) != nil {
		return issuer.Push{}, "malformed_json", "the line is not a JSON object of the import format"
	}
	photo, err := issuer.DecodePhoto(l.Photo)
	if err != nil {
		reason, msg = reasonOf(err)
		return issuer.Push{}, reason, msg
	}
	return issuer.Push{Ref: l.Ref, Citizen: l.Citizen, Type: l.Type, Document: l.Document, IdempotencyKey: l.IdempotencyKey, Photo: photo}, "", ""
}

// readImportLine reads the next line of r (a reader of at least
// importMaxLine+1 bytes of buffer), without its end; the slice is valid
// until the next read. A line over importMaxLine bytes is read to its end
// and dropped: tooLong. err is io.EOF after the last line.
func readImportLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	line, err = r.ReadSlice('\n')
	for errors.Is(err, bufio.ErrBufferFull) {
		tooLong, line = true, nil
		_, err = r.ReadSlice('\n')
	}
	if err == io.EOF && (len(line) > 0 || tooLong) {
		err = nil // the last line, without a line end
	}
	return line, tooLong, err
}

// lineBudget counts the bytes of lines in flight against importInFlight.
type lineBudget struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int
}

func newLineBudget(n int) *lineBudget {
	b := &lineBudget{free: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// take waits until n bytes are free and takes them (n is at most the whole).
func (b *lineBudget) take(n int) {
	b.mu.Lock()
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
	b.mu.Unlock()
}

func (b *lineBudget) give(n int) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
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
		n, size int
		p       issuer.Push
	}
	type result struct {
		n           int
		reason, msg string // empty when accepted
	}
	results := make(chan result, 4*workers)
	queues := make([]chan job, workers)
	budget := newLineBudget(importInFlight)
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan job, 64)
		wg.Go(func() {
			for j := range queues[i] {
				_, err := svc.Push(ctx, iss, j.p)
				budget.give(j.size)
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
		br := bufio.NewReaderSize(in, importMaxLine+1)
		for n := 1; ; n++ {
			raw, tooLong, err := readImportLine(br)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			sum.lines = n
			if tooLong {
				results <- result{n, "line_too_long", fmt.Sprintf("the line is longer than %d bytes (a document with a photo of at most %d KiB fits)", importMaxLine, vault.MaxPhotoSize>>10)}
				continue
			}
			p, reason, msg := decodeImportLine(raw)
			if reason != "" {
				results <- result{n, reason, msg}
				continue
			}
			size := len(raw)
			budget.take(size)
			h := fnv.New32a()
			h.Write([]byte(p.Citizen.Phone + "\x00" + p.Citizen.SNILS))
			queues[h.Sum32()%uint32(workers)] <- job{n, size, p}
		}
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
