// Package history serves the citizen's access history: every event of
// their own audit chain — their sign-ins and changes, documents added or
// read by issuers and services, tokens issued to relying parties, ID checks
// by verifiers, consents, trusted contacts and recovery — told in words in
// ru, kk and en. It shows who (by the registered name of a verifier,
// relying party or issuer), what, when and with which result, and never a
// value the event does not hold (events hold no personal data by design).
package history

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// Lookup returns the name for people of a verifier, relying party or
// issuer by its id; ENOTFOUND if there is none.
type Lookup func(ctx context.Context, id string) (string, error)

// Labels names document types (the vault registry).
type Labels interface {
	TypeLabel(lang, typeID string) string
}

// Deps are what the routes need.
type Deps struct {
	Audit          *audit.Log       // required
	Accounts       *account.Service // required: the citizen's session and device names
	Verifiers      Lookup           // names of verifiers; nil: shown as "a verifier"
	RelyingParties Lookup           // names of relying parties; nil: "a service"
	Issuers        Lookup           // names of issuers; nil: "an issuer"
	Labels         Labels           // document type names; nil: the type id
	Logger         *slog.Logger     // default: discard
}

// Page sizes.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	// scanRounds bounds how many store pages one filtered page may read.
	scanRounds = 8
)

// Filters.
const (
	FilterAll    = "all"
	FilterAccess = "access"
)

type handlers struct {
	s     *web.Server
	d     Deps
	guard *citizen.Guard
	log   *slog.Logger
}

// Register adds GET /api/v1/me/history and the /account/history page to s.
func Register(s *web.Server, deps Deps) error {
	if s == nil || deps.Audit == nil || deps.Accounts == nil {
		return digitalid.Errorf(digitalid.EINVALID, "history: a web server, the audit log and the account service are required")
	}
	g, err := citizen.NewGuard(s, deps.Accounts)
	if err != nil {
		return err
	}
	h := &handlers{s: s, d: deps, guard: g, log: deps.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	s.API("GET /api/v1/me/history", g.API(h.apiHistory))
	s.Page("GET /account/history", g.Page(h.page))
	return nil
}

// Query is a parsed history request.
type Query struct {
	Limit  int
	Before int64 // only events with a smaller sequence number (0: newest)
	Filter string
}

// ParseQuery reads limit, before and filter; bad values are EINVALID with
// the field named.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{Limit: DefaultLimit, Filter: FilterAll}
	var fields []digitalid.FieldError
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			fields = append(fields, digitalid.FieldError{Field: "limit", Code: digitalid.EINVALID, Key: "history.error.limit",
				Message: "The limit must be a whole number from 1 to 100."})
		} else {
			q.Limit = n
		}
	}
	if s := v.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			fields = append(fields, digitalid.FieldError{Field: "before", Code: digitalid.EINVALID, Key: "history.error.before",
				Message: "before must be a positive event number."})
		} else {
			q.Before = n
		}
	}
	switch s := v.Get("filter"); s {
	case "", FilterAll:
	case FilterAccess:
		q.Filter = FilterAccess
	default:
		fields = append(fields, digitalid.FieldError{Field: "filter", Code: digitalid.EINVALID, Key: "history.error.filter",
			Message: "The filter must be all or access."})
	}
	if len(fields) > 0 {
		return Query{}, &digitalid.Error{Code: digitalid.EINVALID, Key: "history.error.query",
			Message: "The history request is not valid.", Fields: fields}
	}
	return q, nil
}

// eventOut is one event in words.
type eventOut struct {
	ID         string    `json:"id"`
	Seq        int64     `json:"seq"`
	Time       time.Time `json:"time"`
	Action     string    `json:"action"`
	Text       string    `json:"text"`
	ActorType  string    `json:"actor_type"`
	Actor      string    `json:"actor"`
	Device     string    `json:"device,omitempty"`
	About      string    `json:"about,omitempty"`
	Access     bool      `json:"access"`
	Result     string    `json:"result"`
	ResultText string    `json:"result_text"`
	Reason     string    `json:"reason,omitempty"`
	ReasonText string    `json:"reason_text,omitempty"`
}

// pageOut is GET /api/v1/me/history.
type pageOut struct {
	Events     []eventOut `json:"events"`
	Filter     string     `json:"filter"`
	NextBefore int64      `json:"next_before,omitempty"`
}

func (h *handlers) apiHistory(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	out, err := h.history(r, a, q)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// events reads one page of the citizen's own chain, newest first, and the
// sequence number to continue before (0 when there is no more).
func (h *handlers) events(ctx context.Context, citizenID string, q Query) ([]audit.Event, int64, error) {
	opts := audit.ListOptions{Descending: true, Before: q.Before, Limit: q.Limit + 1}
	if q.Filter != FilterAccess {
		l, err := h.d.Audit.List(ctx, citizenID, opts)
		if err != nil {
			return nil, 0, err
		}
		if len(l) > q.Limit {
			return l[:q.Limit], l[q.Limit-1].Seq, nil
		}
		return l, 0, nil
	}
	// The log filters by action; the actor type is filtered here, reading
	// on until the page is full or the chain is read.
	opts.Actions, opts.Limit = accessActions, max(q.Limit*2, 50)
	var out []audit.Event
	for range scanRounds {
		l, err := h.d.Audit.List(ctx, citizenID, opts)
		if err != nil {
			return nil, 0, err
		}
		for _, e := range l {
			if !accessActor(e.Actor.Type) {
				continue
			}
			if len(out) == q.Limit {
				return out, out[len(out)-1].Seq, nil
			}
			out = append(out, e)
		}
		if len(l) < opts.Limit {
			return out, 0, nil
		}
		opts.Before = l[len(l)-1].Seq
	}
	// Read enough for one request: the next page goes on from the last
	// event read (this page may hold fewer than the limit).
	return out, opts.Before, nil
}

func (h *handlers) history(r *http.Request, a citizen.Auth, q Query) (pageOut, error) {
	ctx := r.Context()
	l, next, err := h.events(ctx, a.Citizen.ID, q)
	if err != nil {
		return pageOut{}, err
	}
	n := h.names(ctx, a.Citizen.ID, l)
	out := pageOut{Events: make([]eventOut, 0, len(l)), Filter: q.Filter, NextBefore: next}
	for _, e := range l {
		out.Events = append(out.Events, h.describe(r, a.Citizen.ID, e, n))
	}
	return out, nil
}

// names are the names of the parties and devices of one page.
type names struct {
	parties map[audit.Actor]string // "" when unknown
	devices map[string]string
}

// names looks every distinct party of the page up once, and the citizen's
// device names once if an event names a device.
func (h *handlers) names(ctx context.Context, citizenID string, l []audit.Event) names {
	n := names{parties: map[audit.Actor]string{}}
	lookup := func(p audit.Actor) {
		if _, done := n.parties[p]; done || p.ID == "" {
			return
		}
		var fn Lookup
		switch p.Type {
		case audit.ActorVerifier:
			fn = h.d.Verifiers
		case audit.ActorRelyingParty:
			fn = h.d.RelyingParties
		case audit.ActorIssuer:
			fn = h.d.Issuers
		}
		n.parties[p] = ""
		if fn == nil {
			return
		}
		name, err := fn(ctx, p.ID)
		if err != nil {
			if digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
				h.log.WarnContext(ctx, "history: party name lookup failed", "type", p.Type, "id", p.ID, "err", err)
			}
			return
		}
		n.parties[p] = name
	}
	wantDevices := false
	for _, e := range l {
		switch actions[e.Action].party {
		case detailParty:
			if id := e.Details["relying_party"]; id != "" {
				lookup(audit.Actor{Type: audit.ActorRelyingParty, ID: id})
			}
		default:
			lookup(e.Actor)
		}
		if deviceOf(e) != "" {
			wantDevices = true
		}
	}
	if wantDevices {
		ds, err := h.d.Accounts.Sessions.Devices(ctx, citizenID)
		if err != nil {
			h.log.WarnContext(ctx, "history: device names", "err", err)
		}
		n.devices = make(map[string]string, len(ds))
		for _, d := range ds {
			n.devices[d.ID] = d.Name
		}
	}
	return n
}

// deviceOf is the id of the citizen's device an event names, if any.
func deviceOf(e audit.Event) string {
	if e.Actor.Type != audit.ActorCitizen || e.Actor.ID != e.Chain {
		return ""
	}
	if d := e.Details["device"]; d != "" {
		return d
	}
	if len(e.Object) > len("device:") && e.Object[:len("device:")] == "device:" {
		return e.Object[len("device:"):]
	}
	return ""
}

// text translates key, or gives fallback when there is no such text.
func (h *handlers) text(r *http.Request, key, fallback string, args ...any) string {
	if t := h.s.T(r, key); t != key {
		if len(args) > 0 {
			return h.s.T(r, key, args...)
		}
		return t
	}
	return fallback
}

// describe tells one event in words.
func (h *handlers) describe(r *http.Request, self string, e audit.Event, n names) eventOut {
	sp, known := actions[e.Action]
	o := eventOut{ID: e.ID, Seq: e.Seq, Time: e.Time, Action: e.Action, ActorType: string(e.Actor.Type),
		Access: accessActor(e.Actor.Type), Result: string(e.Result)}
	o.Actor = h.actorName(r, self, e.Actor, n)
	if known {
		var args []any
		switch sp.party {
		case actorParty:
			args = append(args, o.Actor)
		case detailParty:
			args = append(args, h.partyName(r, audit.Actor{Type: audit.ActorRelyingParty, ID: e.Details["relying_party"]}, n))
		}
		o.Text = h.s.T(r, Key(e.Action), args...)
	} else {
		o.Text = h.s.T(r, "history.action.unknown", e.Action)
	}
	if d := deviceOf(e); d != "" {
		if name := n.devices[d]; name != "" {
			o.Device = name
		} else {
			o.Device = h.s.T(r, "history.device.unknown")
		}
	}
	o.About = h.about(r, e)
	o.ResultText = h.text(r, "history.result."+o.Result, o.Result)
	reason := e.Details["reason"]
	if reason == "" && e.Result != audit.Success {
		reason = e.Details["code"]
	}
	if reason == "" {
		reason = e.Details["outcome"]
	}
	if reason != "" {
		o.Reason = reason
		o.ReasonText = h.text(r, "history.reason."+e.Action+"."+reason,
			h.text(r, "history.reason."+reason, h.text(r, "present.reason."+reason, reason)))
	}
	return o
}

// about is what the event concerns beyond the party: the document type,
// the Digital ID purpose, or the purpose a document was read for.
func (h *handlers) about(r *http.Request, e audit.Event) string {
	var parts []string
	if t := e.Details["type"]; t != "" && (e.Object == "" || e.Object[:min(len(e.Object), 9)] == "document:" || e.Action == "issuer.document_push") {
		label := t
		if h.d.Labels != nil {
			if l := h.d.Labels.TypeLabel(h.s.Lang(r), t); l != "" {
				label = l
			}
		}
		parts = append(parts, label)
	}
	if p := e.Details["purpose"]; p != "" && e.Action != "account.proofing.attempt" {
		parts = append(parts, h.text(r, "present.purpose."+p, p))
	}
	if a := e.Details["attestation"]; a != "" {
		parts = append(parts, h.text(r, "present.purpose."+a, a))
	}
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += " · "
		}
		s += p
	}
	return s
}

// actorName is who acted, in words.
func (h *handlers) actorName(r *http.Request, self string, a audit.Actor, n names) string {
	switch a.Type {
	case audit.ActorCitizen:
		if a.ID == self {
			return h.s.T(r, "history.actor.self")
		}
		return h.s.T(r, "history.actor.contact")
	case audit.ActorOperator:
		return h.s.T(r, "history.actor.operator")
	case audit.ActorSystem:
		return h.s.T(r, "history.actor.system")
	case audit.ActorVerifier, audit.ActorRelyingParty, audit.ActorIssuer:
		return h.partyName(r, a, n)
	}
	return h.s.T(r, "history.actor.unknown")
}

// partyName is a verifier's, relying party's or issuer's registered name,
// or a generic word when it is unknown.
func (h *handlers) partyName(r *http.Request, a audit.Actor, n names) string {
	if name := n.parties[a]; name != "" {
		return name
	}
	return h.s.T(r, "history.actor.unknown_"+string(a.Type))
}

// pageView is the /account/history page.
type pageView struct {
	Events []eventRow
	Filter string
	Older  string // the next page's link; empty on the last page
	Error  string // a bad query, in words
}

type eventRow struct {
	eventOut
	When string
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		// A hand-edited address shows the first page with a note.
		v := pageView{Filter: FilterAll, Error: h.s.T(r, "history.error.query")}
		return h.s.Render(w, r, http.StatusBadRequest, "account_history", v)
	}
	out, err := h.history(r, a, q)
	if err != nil {
		return err
	}
	v := pageView{Filter: q.Filter}
	for _, e := range out.Events {
		v.Events = append(v.Events, eventRow{eventOut: e, When: e.Time.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	if out.NextBefore > 0 {
		u := url.Values{"before": {strconv.FormatInt(out.NextBefore, 10)}}
		if q.Filter != FilterAll {
			u.Set("filter", q.Filter)
		}
		if q.Limit != DefaultLimit {
			u.Set("limit", strconv.Itoa(q.Limit))
		}
		v.Older = "/account/history?" + u.Encode()
	}
	return h.s.Render(w, r, http.StatusOK, "account_history", v)
}
