package citizen

import (
	"github.com/digitalid/digitalid/account"
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

// lockedUntil is when a biometric block ends, as the pages show times, or
// "" when err carries no time.
func lockedUntil(err error) string {
	if l, ok := account.LimitOf(err); ok {
		return when(l.RetryAt)
	}
	return ""
}
