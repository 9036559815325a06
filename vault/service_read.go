package vault

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// ReadForParty returns a citizen's document with its contents for someone
// other than the citizen — a relying party with consent, a verifier, the
// issuer, the platform — for purpose (a token such as "age_over_18"). The
// read is first recorded on the citizen's audit chain (action
// "document.read", object "document:<id>", the purpose and type as details,
// never contents), and nothing is returned if it cannot be recorded. The
// caller has already checked consent or purpose.
//
// An issuer may read only documents it issued; operators never read
// contents (EFORBIDDEN, recorded as denied). A citizen reading their own
// document is a Get and is not recorded. Errors otherwise as Get; EINVALID
// for a purpose the audit log refuses.
func (s *Service) ReadForParty(ctx context.Context, actor audit.Actor, citizenID, docID, purpose string) (Document, error) {
	if actor.Type == audit.ActorCitizen && actor.ID == citizenID {
		return s.Get(ctx, citizenID, docID)
	}
	r, err := s.store.Document(ctx, citizenID, docID)
	if err == nil && actor.Type == audit.ActorIssuer && r.IssuerID != actor.ID {
		err = digitalid.Errorf(digitalid.ENOTFOUND, "not found")
	}
	if err != nil {
		return Document{}, fmt.Errorf("vault: document %s: %w", docID, s.notFound(ctx, citizenID, err))
	}
	e := docEvent(actor, "document.read", r.metadata(s.now()), map[string]string{"purpose": purpose})
	if actor.Type == audit.ActorOperator {
		e.Result = audit.Denied
		if err := s.record(ctx, e); err != nil {
			return Document{}, err
		}
		return Document{}, &digitalid.Error{Code: digitalid.EFORBIDDEN, Key: "vault.error.operator_read",
			Message: "Operators cannot read document contents."}
	}
	if err := s.record(ctx, e); err != nil {
		return Document{}, err
	}
	return s.open(ctx, r)
}

// identityRank orders the documents that confirm identity and date of
// birth by preference; -1 for the others.
func identityRank(typeID string) int {
	return slices.Index([]string{"passport_ru", "passport_international"}, typeID)
}

// ConfirmedIdentity returns the date of birth from the citizen's valid,
// issuer-confirmed passport (the internal passport before the international
// one, the most recently updated first), for the accounts service's
// assurance and age rules; ok is false when there is none. Self-declared
// documents never count. The read is recorded on the citizen's audit chain
// as the platform's (purpose "identity").
func (s *Service) ConfirmedIdentity(ctx context.Context, citizenID string) (birthDate time.Time, ok bool, err error) {
	recs, err := s.store.ListDocuments(ctx, citizenID)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("vault: confirmed identity of %s: %w", citizenID, err)
	}
	now := s.now()
	recs = slices.DeleteFunc(recs, func(r DocumentRecord) bool {
		return identityRank(r.TypeID) < 0 || !r.metadata(now).Confirmed()
	})
	if len(recs) == 0 {
		return time.Time{}, false, nil
	}
	slices.SortFunc(recs, func(a, b DocumentRecord) int {
		return cmp.Or(cmp.Compare(identityRank(a.TypeID), identityRank(b.TypeID)),
			b.UpdatedAt.Compare(a.UpdatedAt))
	})
	d, err := s.ReadForParty(ctx, audit.Actor{Type: audit.ActorSystem}, citizenID, recs[0].ID, "identity")
	if err != nil {
		return time.Time{}, false, err
	}
	t, _ := s.reg.Type(d.TypeID, d.Version)
	birth, err := time.Parse(time.DateOnly, d.Fields.Text(t.Claims()[ClaimBirthDate]))
	if err != nil {
		return time.Time{}, false, digitalid.Wrap(digitalid.EINTERNAL, fmt.Errorf("vault: document %s: birth date: %w", d.ID, err), "The stored document is damaged.")
	}
	return birth, true, nil
}
