package account

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/digitalid/digitalid/sms"
)

// Notifications of a request to confirm a self-declared passport (package
// issuer, confirm.go): a registry confirmed or rejected it. Params:
// confirmation (the request id) and, for a rejection, reason (a code such
// as not_found). Both are texted as well: the citizen waits for the answer.
const (
	KindConfirmationConfirmed Kind = "confirmation_confirmed"
	KindConfirmationRejected  Kind = "confirmation_rejected"
)

// confirmTextsJSON holds the SMS texts of the two outcomes in ru, kk and
// en, in the shape of texts.json (a file of its own so this feature does
// not edit the shared one).
//
//go:embed notification_confirm.json
var confirmTextsJSON []byte

// ConfirmationDecided puts a registry's decision on the citizen's request
// in their inbox and texts it; it implements issuer.ConfirmNotifier.
// outcome is "confirmed" or "rejected" (others are ignored). A failed SMS
// is logged, not returned. The SMS names no document and holds no personal
// data.
func (ns *Notifications) ConfirmationDecided(ctx context.Context, citizenID, confirmationID, outcome, reason string) error {
	var k Kind
	params := map[string]string{"confirmation": confirmationID}
	switch outcome {
	case "confirmed":
		k = KindConfirmationConfirmed
	case "rejected":
		k = KindConfirmationRejected
		if reason != "" {
			params["reason"] = reason
		}
	default:
		return nil
	}
	if _, err := ns.Add(ctx, citizenID, k, params); err != nil {
		return err
	}
	var t texts
	err := json.Unmarshal(confirmTextsJSON, &t)
	var c Citizen
	if err == nil {
		c, err = ns.citizens.Get(ctx, citizenID)
	}
	if err == nil {
		err = ns.sms.Send(ctx, sms.Message{To: c.Phone, Body: t.format(c.Lang, string(k), nil), Purpose: "notice_" + string(k)})
	}
	if err != nil {
		ns.log.WarnContext(ctx, "confirmation notification SMS not sent", "citizen", citizenID, "kind", k, "err", fmt.Sprint(err))
	}
	return nil
}
