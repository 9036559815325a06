package audit

import (
	"context"
	"errors"
	"fmt"
)

// Reason says why a link of the chain is broken.
type Reason string

// The ways Verify finds a chain broken.
const (
	ReasonHashMismatch Reason = "hash mismatch"                            // a field of the event was edited
	ReasonGap          Reason = "gap in seq"                               // an event before this one is missing
	ReasonPrevHash     Reason = "prev-hash mismatch"                       // the event does not follow the one before it
	ReasonHeadMismatch Reason = "head mismatch"                            // the tail was cut, or the head edited
	ReasonHeadMissing  Reason = "head missing"                             // the chain's head row was deleted
	ReasonMissingChain Reason = "missing chain referenced by system chain" // a whole chain was deleted
	ReasonNotOpened    Reason = "chain not opened in system chain"         // a chain appeared from elsewhere
	ReasonUnreadable   Reason = "unreadable row"                           // a column was edited into garbage
)

// Break is the first broken link Verify found. Seq and EventID are zero when
// the break is not at one event (a whole chain missing).
type Break struct {
	Chain   string
	Seq     int64
	EventID string
	Reason  Reason
	Detail  string // what was expected and found, without any personal data
}

// String names the link for an operator, e.g.
// "chain c_123 seq 7 (event 01HV…): hash mismatch".
func (b Break) String() string {
	s := "chain " + b.Chain
	if b.Seq > 0 {
		s += fmt.Sprintf(" seq %d", b.Seq)
	}
	if b.EventID != "" {
		s += " (event " + b.EventID + ")"
	}
	s += ": " + string(b.Reason)
	if b.Detail != "" {
		s += " (" + b.Detail + ")"
	}
	return s
}

// VerifyResult is what Verify checked and, if the log is not intact, the
// first broken link in chain order (chains by id, events by seq).
type VerifyResult struct {
	Chains int64  // chains fully checked
	Events int64  // events checked
	Broken *Break // nil when every chain verified
}

// OK reports whether the whole log verified.
func (r VerifyResult) OK() bool { return r.Broken == nil }

// String is the one line `digitalid audit verify` prints.
func (r VerifyResult) String() string {
	if r.Broken != nil {
		return "audit log broken: " + r.Broken.String()
	}
	return fmt.Sprintf("audit log intact: %d chains, %d events verified", r.Chains, r.Events)
}

// VerifyProgress is reported while Verify runs.
type VerifyProgress struct {
	Chains int64 // chains checked so far
	Events int64 // events checked so far
}

// Page sizes Verify reads the snapshot in; only one page per stream is held
// in memory, so millions of events verify in constant memory.
const (
	verifyPage    = 1000
	progressEvery = 10000
)

// Verify checks the whole log against one consistent snapshot of the
// database: every event's MAC, the sequence and prev-hash links of every
// chain, every chain's head, and that every citizen chain the system chain
// records as opened exists (and vice versa). It stops at the first broken
// link and returns it in VerifyResult.Broken; the error is only for failures
// to read. report, if not nil, is called every 10000 events and at the end.
func (l *Log) Verify(ctx context.Context, report func(VerifyProgress)) (VerifyResult, error) {
	var res VerifyResult
	err := l.store.ReadAudit(ctx, func(ctx context.Context, r Reader) error {
		v := &verifier{seal: l.seal, report: report}
		v.events.fetch = func(ctx context.Context, last *Event) ([]Event, error) {
			var chain string
			var seq int64
			if last != nil {
				chain, seq = last.Chain, last.Seq
			}
			return r.Events(ctx, chain, seq, verifyPage)
		}
		v.heads.fetch = func(ctx context.Context, last *Head) ([]Head, error) {
			return r.Heads(ctx, keyOf(last, func(h *Head) string { return h.Chain }), verifyPage)
		}
		v.openings.fetch = func(ctx context.Context, last *Event) ([]Event, error) {
			return r.ChainOpenings(ctx, keyOf(last, func(e *Event) string { return e.Object }), verifyPage)
		}
		err := v.run(ctx)
		res.Chains, res.Events = v.chains, v.count
		return err
	})
	var broken brokenLink
	var re *RowError
	switch {
	case errors.As(err, &broken):
		res.Broken = broken.b
	case errors.As(err, &re):
		res.Broken = &Break{Chain: re.Chain, Seq: re.Seq, EventID: re.ID, Reason: ReasonUnreadable, Detail: re.Err.Error()}
	case err != nil:
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	if report != nil {
		report(VerifyProgress{Chains: res.Chains, Events: res.Events})
	}
	return res, nil
}

func keyOf[T any](last *T, key func(*T) string) string {
	if last == nil {
		return ""
	}
	return key(last)
}

// verifier merges three streams sorted by chain id — events, heads, and the
// system chain's chain.opened events by the chain they name — and checks one
// chain at a time.
type verifier struct {
	seal          sealer
	report        func(VerifyProgress)
	events        cursor[Event]
	heads         cursor[Head]
	openings      cursor[Event]
	chains, count int64
}

func (v *verifier) run(ctx context.Context) error {
	for {
		e, err := v.events.peek(ctx)
		if err != nil {
			return err
		}
		h, err := v.heads.peek(ctx)
		if err != nil {
			return err
		}
		o, err := v.openings.peek(ctx)
		if err != nil {
			return err
		}
		c, ok := "", false
		for _, k := range []struct {
			key string
			ok  bool
		}{{chainOf(e), e != nil}, {headChain(h), h != nil}, {objectOf(o), o != nil}} {
			if k.ok && (!ok || k.key < c) {
				c, ok = k.key, true
			}
		}
		if !ok {
			return nil
		}
		if err := v.chain(ctx, c); err != nil {
			return err
		}
		v.chains++
	}
}

func chainOf(e *Event) string {
	if e == nil {
		return ""
	}
	return e.Chain
}

func objectOf(e *Event) string {
	if e == nil {
		return ""
	}
	return e.Object
}

func headChain(h *Head) string {
	if h == nil {
		return ""
	}
	return h.Chain
}

// chain checks chain c: its events in order, then its head, then that the
// system chain recorded its opening.
func (v *verifier) chain(ctx context.Context, c string) error {
	var head *Head
	if h, err := v.heads.peek(ctx); err != nil {
		return err
	} else if h != nil && h.Chain == c {
		hc := *h
		head = &hc
		v.heads.pop()
	}
	var opening *Event
	for {
		o, err := v.openings.peek(ctx)
		if err != nil {
			return err
		}
		if o == nil || o.Object != c {
			break
		}
		if opening == nil {
			oc := *o
			opening = &oc
		}
		v.openings.pop()
	}
	var n int64
	var prev, firstID, lastID string
	for {
		e, err := v.events.peek(ctx)
		if err != nil {
			return err
		}
		if e == nil || e.Chain != c {
			break
		}
		n++
		switch {
		case e.Seq != n:
			return broken(c, n, e.ID, ReasonGap, "expected seq %d, found seq %d", n, e.Seq)
		case !equalMAC(e.PrevHash, prev):
			return broken(c, n, e.ID, ReasonPrevHash, "prev hash differs from the hash of seq %d", n-1)
		case !equalMAC(e.Hash, v.seal.eventHash(e)):
			return broken(c, n, e.ID, ReasonHashMismatch, "the stored hash does not match the event's fields")
		}
		if n == 1 {
			firstID = e.ID
		}
		prev, lastID = e.Hash, e.ID
		v.events.pop()
		v.count++
		if v.report != nil && v.count%progressEvery == 0 {
			v.report(VerifyProgress{Chains: v.chains, Events: v.count})
		}
	}
	switch {
	case n == 0 && head == nil:
		return broken(c, 0, "", ReasonMissingChain, "opened at %s seq %d, event %s", SystemChain, opening.Seq, opening.ID)
	case n == 0:
		return broken(c, 0, "", ReasonHeadMismatch, "head at seq %d but the chain has no events", head.Seq)
	case head == nil:
		return broken(c, n, lastID, ReasonHeadMissing, "")
	case !equalMAC(head.MAC, v.seal.headMAC(c, head.Seq, head.Hash)):
		return broken(c, n, lastID, ReasonHeadMismatch, "the head's MAC does not verify")
	case head.Seq != n || !equalMAC(head.Hash, prev):
		return broken(c, n, lastID, ReasonHeadMismatch, "head is at seq %d, the chain ends at seq %d", head.Seq, n)
	case opening == nil && c != SystemChain:
		return broken(c, 1, firstID, ReasonNotOpened, "")
	}
	return nil
}

// brokenLink carries a Break out of the merge as an error, so that the walk
// stops at the first one; Verify turns it back into VerifyResult.Broken.
type brokenLink struct{ b *Break }

func (e brokenLink) Error() string { return e.b.String() }

func broken(chain string, seq int64, id string, r Reason, format string, args ...any) error {
	return brokenLink{&Break{Chain: chain, Seq: seq, EventID: id, Reason: r, Detail: fmt.Sprintf(format, args...)}}
}

// cursor walks a stream in pages fetched after the last item popped.
type cursor[T any] struct {
	fetch func(ctx context.Context, last *T) ([]T, error)
	buf   []T
	last  T
	moved bool // last is set
	end   bool // the last fetch returned a short page
	err   error
}

// peek returns the next item, nil at the end. A fetch error (for example a
// *RowError after a partial page) is returned once the items before it have
// been popped.
func (c *cursor[T]) peek(ctx context.Context) (*T, error) {
	if len(c.buf) == 0 && c.err != nil {
		return nil, c.err
	}
	if len(c.buf) == 0 && !c.end {
		var last *T
		if c.moved {
			last = &c.last
		}
		page, err := c.fetch(ctx, last)
		c.buf, c.err = page, err
		c.end = err != nil || len(page) < verifyPage
		if len(page) == 0 && err != nil {
			return nil, err
		}
	}
	if len(c.buf) == 0 {
		return nil, nil
	}
	return &c.buf[0], nil
}

func (c *cursor[T]) pop() {
	c.last, c.moved = c.buf[0], true
	c.buf = c.buf[1:]
}
