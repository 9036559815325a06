package audit

import (
	"log/slog"
	"time"
)

// SystemChain is the chain of events that concern no single citizen
// (operator actions, key rotation, the opening of every citizen chain).
// Append files an event with an empty Chain here. Citizen ids must never
// equal it.
const SystemChain = "system"

// ActionChainOpened is the system-chain event Append writes, in the same
// transaction, when a citizen chain gets its first event; its Object is the
// new chain's id. Verify uses these events to notice a chain deleted whole.
const ActionChainOpened = "chain.opened"

// ActorType says what kind of party performed an action.
type ActorType string

// The kinds of actor. An event's actor is always one of these.
const (
	ActorCitizen      ActorType = "citizen"
	ActorOperator     ActorType = "operator"
	ActorIssuer       ActorType = "issuer"
	ActorVerifier     ActorType = "verifier"
	ActorRelyingParty ActorType = "relying_party"
	ActorSystem       ActorType = "system"
)

// Actor is who performed an action: a kind and an opaque id (a citizen,
// operator, issuer, verifier or relying-party id; empty for the system).
type Actor struct {
	Type ActorType
	ID   string
}

// Result is how an action ended.
type Result string

// The results an event may record.
const (
	Success Result = "success" // the action was carried out
	Failure Result = "failure" // it was attempted and failed (bad input, error)
	Denied  Result = "denied"  // it was refused (no consent, wrong purpose, locked)
)

// Event is one audit record. Callers fill Chain, Actor, Action, Object,
// Result, IP, RequestID and Details; Append fills ID, Seq, Time, PrevHash and
// Hash, and returns the sealed event.
type Event struct {
	ID        string            // unique, time-ordered (ULID text)
	Chain     string            // citizen id whose data this concerns, or SystemChain
	Seq       int64             // 1, 2, 3, ... within Chain
	Time      time.Time         // when it was recorded (UTC, microseconds)
	Actor     Actor             // who acted
	Action    string            // stable dotted name, e.g. "document.read"
	Object    string            // opaque reference to what was acted on, e.g. "document:01HV…"
	Result    Result            // success, failure or denied
	IP        string            // client address, empty when not over the network
	RequestID string            // correlates with the HTTP request log
	Details   map[string]string // safe tokens only; see ValidateDetails
	PrevHash  string            // Hash of the event before in Chain; empty for Seq 1
	Hash      string            // hex HMAC-SHA256 over all of the above
}

// LogValue lets an event be logged with slog without leaking more than the
// audit record itself already shows: the client address and the chain's
// hashes are left out.
func (e Event) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("id", e.ID),
		slog.String("chain", e.Chain),
		slog.Int64("seq", e.Seq),
		slog.String("actor_type", string(e.Actor.Type)),
		slog.String("actor_id", e.Actor.ID),
		slog.String("action", e.Action),
		slog.String("object", e.Object),
		slog.String("result", string(e.Result)),
		slog.String("request_id", e.RequestID),
	}
	if len(e.Details) > 0 {
		ds := make([]any, 0, len(e.Details))
		for _, k := range sortedKeys(e.Details) {
			ds = append(ds, slog.String(k, e.Details[k]))
		}
		attrs = append(attrs, slog.Group("details", ds...))
	}
	return slog.GroupValue(attrs...)
}
