package citizen

import (
	"context"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/vault"
)

// passportStepURL is where a citizen at basic goes to confirm a passport,
// the step to standard (linked from the cabinet home's next-step card).
const passportStepURL = "/documents/new?type=passport_ru"

// videoStepURL is the page of the video check, the step to high.
const videoStepURL = "/account/identity"

// nextStep is the cabinet home's card: the citizen's level and what to do
// next (Action and URL empty at high: nothing to do).
type nextStep struct {
	Level  string // basic, standard, high
	Text   string // translation key of the advice
	Action string // translation key of the link, or ""
	URL    string
}

// nextStepFor says what raises a citizen at level a.
func nextStepFor(a account.Assurance) nextStep {
	switch a {
	case account.AssuranceHigh:
		return nextStep{Level: string(a), Text: "facecheck.home.next.high"}
	case account.AssuranceStandard:
		return nextStep{Level: string(a), Text: "facecheck.home.next.standard", Action: "facecheck.home.action.standard", URL: videoStepURL}
	default:
		return nextStep{Level: string(account.AssuranceBasic), Text: "facecheck.home.next.basic", Action: "facecheck.home.action.basic", URL: passportStepURL}
	}
}

// pendingStep is the card of a citizen at basic whose passport waits for a
// registry: the link shows the request. ok is false when there is none (or
// the home cannot know: no vault or no confirmation service).
func (h *handlers) pendingStep(ctx context.Context, c account.Citizen) (nextStep, bool, error) {
	if c.Assurance != account.AssuranceBasic || h.confirmations == nil || h.docs.vault == nil {
		return nextStep{}, false, nil
	}
	docs, err := h.docs.vault.List(ctx, c.ID)
	if err != nil {
		return nextStep{}, false, err
	}
	for _, d := range docs {
		if d.Source != vault.SourceSelf || !issuer.Confirmable(d.TypeID) {
			continue
		}
		st, err := h.confirmations.Status(ctx, c.ID, d.ID)
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			continue
		}
		if err != nil {
			return nextStep{}, false, err
		}
		if st.Status == issuer.ConfirmPending {
			return nextStep{Level: string(account.AssuranceBasic), Text: "facecheck.home.next.pending",
				Action: "facecheck.home.action.pending", URL: "/documents/" + d.ID + "/confirmation"}, true, nil
		}
	}
	return nextStep{}, false, nil
}

// lockedUntil is when a biometric block ends, as the pages show times, or
// "" when err carries no time.
func lockedUntil(err error) string {
	if l, ok := account.LimitOf(err); ok {
		return when(l.RetryAt)
	}
	return ""
}
