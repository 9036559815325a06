package recovery

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/digitalid/digitalid/account"
)

// textsJSON holds the SMS texts of trusted contacts and recovery in ru, kk
// and en: {"lang": {"name": "text with {placeholders}"}}, as account's
// texts.json.
//
//go:embed recovery_texts.json
var textsJSON []byte

// Names of the SMS texts.
const (
	textInvited          = "trust_invited"           // to an invited contact
	textEnded            = "trust_ended"             // to both sides; params: phone (the other side)
	textRequested        = "recovery_requested"      // to the citizen
	textApprovalAsked    = "recovery_approval_asked" // to each contact; params: phone
	textApprovalCode     = "recovery_approval_code"  // to the approving contact; params: code, phone
	textApproved         = "recovery_approved"       // to the citizen
	textRejected         = "recovery_rejected"       // to the citizen
	textCancelled        = "recovery_cancelled"      // to the citizen
	textCompleted        = "recovery_completed"      // to the citizen
	textCompletedContact = "recovery_done_contact"   // to the approving contact; params: phone
)

// Notification kinds recovery adds to inboxes (translated by the web layer
// as notification.KIND).
const (
	KindTrustInvited      account.Kind = "trust_invited"
	KindTrustAccepted     account.Kind = "trust_accepted"
	KindTrustEnded        account.Kind = "trust_ended"
	KindRecoveryRequested account.Kind = "recovery_requested"
	KindRecoveryAsked     account.Kind = "recovery_asked"
	KindRecoveryApproved  account.Kind = "recovery_approved"
	KindRecoveryRejected  account.Kind = "recovery_rejected"
	KindRecoveryCancelled account.Kind = "recovery_cancelled"
	KindRecoveryCompleted account.Kind = "recovery_completed"
)

type texts map[string]map[string]string

func loadTexts() (texts, error) {
	var t texts
	if err := json.Unmarshal(textsJSON, &t); err != nil {
		return nil, fmt.Errorf("recovery: recovery_texts.json: %w", err)
	}
	for _, lang := range []string{"ru", "kk", "en"} {
		for name := range t["en"] {
			if t[lang][name] == "" {
				return nil, fmt.Errorf("recovery: recovery_texts.json lacks %s text %q", lang, name)
			}
		}
	}
	return t, nil
}

func (t texts) format(lang, name string, args map[string]string) string {
	s, ok := t[lang][name]
	if !ok {
		s = t[account.DefaultLang][name]
	}
	for k, v := range args {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}
