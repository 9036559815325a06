package account

import (
	"context"
	_ "embed"
	"encoding/json"

	"github.com/digitalid/digitalid/sms"
)

// Notifications of the document vault: an issuer added, changed or revoked
// one of the citizen's documents. The kinds carry the vault's Notify*
// names; params: document (its id, not personal data).
const (
	KindDocumentAdded   Kind = "document_added"
	KindDocumentChanged Kind = "document_changed"
	KindDocumentRevoked Kind = "document_revoked"
)

// documentTextsJSON holds the SMS text of a revoked document in ru, kk
// and en, in the shape of texts.json (a file of its own so this feature
// does not edit the shared one).
//
//go:embed notification_documents.json
var documentTextsJSON []byte

// DocumentChanged puts an issuer's change of a citizen's document in the
// citizen's inbox; it implements the vault's Notifier (kind is
// "document_added", "document_changed" or "document_revoked"; other kinds
// are ignored). A revocation is also texted: the citizen can no longer use
// that document and should know at once; additions and changes wait in the
// inbox (a bulk load by an issuer must not text thousands of phones). The
// SMS names no document and holds no personal data.
func (ns *Notifications) DocumentChanged(ctx context.Context, citizenID, docID, kind string) error {
	k := Kind(kind)
	switch k {
	case KindDocumentAdded, KindDocumentChanged, KindDocumentRevoked:
	default:
		return nil
	}
	if _, err := ns.Add(ctx, citizenID, k, map[string]string{"document": docID}); err != nil {
		return err
	}
	if k == KindDocumentRevoked {
		ns.textDocument(ctx, citizenID, kind)
	}
	return nil
}

// textDocument texts the document text name to the citizen, logging a
// failure.
func (ns *Notifications) textDocument(ctx context.Context, citizenID, name string) {
	var t texts
	err := json.Unmarshal(documentTextsJSON, &t)
	var c Citizen
	if err == nil {
		c, err = ns.citizens.Get(ctx, citizenID)
	}
	if err == nil {
		err = ns.sms.Send(ctx, sms.Message{To: c.Phone, Body: t.format(c.Lang, name, nil), Purpose: "notice_" + name})
	}
	if err != nil {
		ns.log.WarnContext(ctx, "document notification SMS not sent", "citizen", citizenID, "kind", name, "err", err)
	}
}
