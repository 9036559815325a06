package account

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/digitalid/digitalid/sms"
)

// lifecycleJSON holds the SMS texts of the account's life (deletion,
// restore, phone change) in ru, kk and en, in the shape of texts.json; it
// is a file of its own so these flows do not edit the shared one.
//
//go:embed lifecycle_texts.json
var lifecycleJSON []byte

// Names of the lifecycle SMS texts.
const (
	textAccountDeleted  = "account_deleted"
	textAccountRestored = "account_restored"
	textPhoneChangedOld = "phone_changed_old"
	textPhoneChangedNew = "phone_changed_new"
)

// loadLifecycleTexts parses the lifecycle texts, checking every language
// has every English text.
func loadLifecycleTexts() (texts, error) {
	var t texts
	if err := json.Unmarshal(lifecycleJSON, &t); err != nil {
		return nil, fmt.Errorf("account: lifecycle_texts.json: %w", err)
	}
	for _, lang := range []string{"ru", "kk", "en"} {
		for name := range t["en"] {
			if t[lang][name] == "" {
				return nil, fmt.Errorf("account: lifecycle_texts.json lacks %s text %q", lang, name)
			}
		}
	}
	return t, nil
}

// textCitizen texts lifecycle text name to the citizen's current number in
// their language; a failure is logged (the action is done by then).
func (s *Service) textCitizen(ctx context.Context, citizenID, name string, params map[string]string) {
	c, err := s.Citizens.Get(ctx, citizenID)
	if err != nil {
		s.log.WarnContext(ctx, "lifecycle SMS not sent", "citizen", citizenID, "text", name, "err", err)
		return
	}
	s.textPhone(ctx, c.Phone, c.Lang, name, params)
}

// textPhone texts lifecycle text name to phone in lang, logging a failure.
func (s *Service) textPhone(ctx context.Context, phone, lang, name string, params map[string]string) {
	t, err := loadLifecycleTexts()
	if err == nil {
		err = s.Notifications.sms.Send(ctx, sms.Message{To: phone, Body: t.format(lang, name, params), Purpose: "notice_" + name})
	}
	if err != nil {
		s.log.WarnContext(ctx, "lifecycle SMS not sent", "text", name, "err", err)
	}
}
