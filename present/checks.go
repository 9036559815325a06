package present

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// Check is one entry of the citizen's "who checked what, when": the
// verifier's name, the purpose and the result, never the claim values.
type Check struct {
	Time         time.Time `json:"time"`
	VerifierID   string    `json:"verifier_id"`
	VerifierName string    `json:"verifier_name"`
	Purpose      string    `json:"purpose"`
	Result       Outcome   `json:"result"`
	Reason       string    `json:"reason,omitempty"`
}

// MaxChecks is the most checks Checks returns.
const MaxChecks = 200

// Checks returns the citizen's latest checks, newest first (at most limit,
// 1..MaxChecks; 0 means 50).
func (s *Service) Checks(ctx context.Context, citizenID string, limit int) ([]Check, error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 0 || limit > MaxChecks {
		return nil, &digitalid.Error{Code: digitalid.EINVALID, Key: "present.error.limit",
			Message: fmt.Sprintf("The limit must be between 1 and %d.", MaxChecks)}
	}
	evs, err := s.cfg.Audit.List(ctx, citizenID, audit.ListOptions{Actions: []string{ActionChecked}, Descending: true, Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("present: checks: %w", err)
	}
	names := map[string]string{}
	out := make([]Check, 0, len(evs))
	for _, e := range evs {
		c := Check{Time: e.Time, VerifierID: e.Actor.ID, Purpose: e.Details["purpose"], Result: Valid, Reason: e.Details["reason"]}
		if e.Result != audit.Success {
			c.Result = Invalid
		}
		name, ok := names[c.VerifierID]
		if !ok {
			if v, _, err := s.cfg.Store.Verifier(ctx, c.VerifierID); err == nil {
				name = v.Name
			}
			names[c.VerifierID] = name
		}
		c.VerifierName = name
		out = append(out, c)
	}
	return out, nil
}
