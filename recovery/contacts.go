package recovery

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
)

// MaxNameLen is the longest name a citizen may give a contact, in runes.
const MaxNameLen = 64

// Invitation is what a citizen asks to invite a contact.
type Invitation struct {
	Name  string // what the citizen calls the contact
	Phone string // E.164
}

// Invite invites the owner of a phone number to be the citizen's trusted
// contact. The citizen must be MinCitizenAge or older with a confirmed
// account (assurance standard or higher) and not cooling off; they may have
// up to MaxContacts active or pending contacts.
//
// The answer is the same whatever the number: when it belongs to an adult
// with a confirmed, active account, the invitation reaches them (cabinet
// and SMS); otherwise it is stored inert and simply expires.
//
// Returns EINVALID for a bad name or number or the citizen's own number
// (recovery.self) or a number already invited (recovery.duplicate);
// EFORBIDDEN when the citizen may not appoint contacts
// (recovery.citizen_not_eligible) or is cooling off; ECONFLICT
// (recovery.too_many) with MaxContacts contacts already.
func (s *Service) Invite(ctx context.Context, by account.Session, inv Invitation, cl account.Client) (Contact, error) {
	name, err := checkName(inv.Name)
	if err != nil {
		return Contact{}, err
	}
	if !looksE164(inv.Phone) {
		return Contact{}, fieldError("phone", "account.phone.invalid", "The phone number is not valid; write it with + and the country code.")
	}
	now := s.now()
	me, err := s.acc.Citizens.Get(ctx, by.CitizenID)
	if err != nil {
		return Contact{}, err
	}
	if !eligible(me, MinCitizenAge, now) {
		return Contact{}, userError(digitalid.EFORBIDDEN, "recovery.citizen_not_eligible",
			"Trusted contacts can be appointed from 14, with an account confirmed by an identity document.")
	}
	if err := s.notCooling(ctx, me.ID); err != nil {
		return Contact{}, err
	}
	if me.Phone == inv.Phone {
		return Contact{}, fieldError("phone", "recovery.self", "You cannot be your own trusted contact.")
	}
	rec := ContactRecord{ID: account.NewID("t_"), CitizenID: me.ID, PhoneKey: s.phoneKey(inv.Phone),
		Status: StatusPending, InvitedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	rec.NameSealed = s.seal(name, nameAAD(rec.ID))
	contact, err := s.acc.Citizens.ByPhone(ctx, inv.Phone)
	if err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return Contact{}, err
	}
	if err == nil && eligible(contact, MinContactAge, now) {
		rec.ContactID = contact.ID
	}
	inserted, err := s.store.InsertTrustedContact(ctx, rec, MaxContacts, now)
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		return Contact{}, fieldError("phone", "recovery.duplicate", "You have already invited this number.")
	}
	if err != nil {
		return Contact{}, wrapErr("invite", err)
	}
	if !inserted {
		return Contact{}, userError(digitalid.ECONFLICT, "recovery.too_many", "You can have at most 3 trusted contacts.")
	}
	s.record(ctx, me.ID, me.ID, "recovery.contact.invited", "contact:"+rec.ID, audit.Success, cl, nil)
	if rec.ContactID != "" {
		// In the background, so that the answer takes as long for every number.
		bg := context.WithoutCancel(ctx)
		s.bg(func() {
			s.record(bg, rec.ContactID, me.ID, "recovery.invitation.received", "contact:"+rec.ID, audit.Success, account.Client{}, nil)
			s.notify(bg, rec.ContactID, KindTrustInvited, textInvited, nil)
		})
	}
	return s.contactView(rec, name, now), nil
}

// Contacts returns the citizen's trusted contacts and invitations, newest
// first, as the citizen sees them (see Contact).
func (s *Service) Contacts(ctx context.Context, citizenID string) ([]Contact, error) {
	recs, err := s.store.TrustedContactsOf(ctx, citizenID)
	if err != nil {
		return nil, wrapErr("list contacts", err)
	}
	now := s.now()
	out := make([]Contact, 0, len(recs))
	for _, r := range recs {
		name, err := s.open(r.NameSealed, nameAAD(r.ID))
		if err != nil {
			return nil, wrapErr("contact "+r.ID, err)
		}
		out = append(out, s.contactView(r, name, now))
	}
	return out, nil
}

// ActiveContacts counts the citizen's active contacts whose accounts are
// active: those who could approve a recovery now.
func (s *Service) ActiveContacts(ctx context.Context, citizenID string) (int, error) {
	recs, err := s.activeRelationships(ctx, citizenID)
	return len(recs), err
}

func (s *Service) activeRelationships(ctx context.Context, citizenID string) ([]ContactRecord, error) {
	recs, err := s.store.TrustedContactsOf(ctx, citizenID)
	if err != nil {
		return nil, wrapErr("list contacts", err)
	}
	var out []ContactRecord
	for _, r := range recs {
		if r.Status != StatusActive || r.ContactID == "" {
			continue
		}
		if c, err := s.acc.Citizens.Get(ctx, r.ContactID); err == nil && c.Status == account.StatusActive {
			out = append(out, r)
		}
	}
	return out, nil
}

// contactView hides from the inviter what would tell whether the number
// has an account: inert and declined invitations stay pending until they
// expire.
func (s *Service) contactView(r ContactRecord, name string, now time.Time) Contact {
	c := Contact{ID: r.ID, Name: name, Status: r.Status, InvitedAt: r.InvitedAt, ExpiresAt: r.ExpiresAt,
		AcceptedAt: r.AcceptedAt, EndedAt: r.EndedAt}
	switch r.Status {
	case StatusPending, StatusDeclined:
		c.Status = StatusPending
		if !now.Before(r.ExpiresAt) {
			c.Status = StatusExpired
		}
	}
	return c
}

// Remove ends one of the citizen's relationships (or withdraws an
// invitation). Open recovery requests are cancelled. Both sides are told.
// Returns ENOTFOUND if the citizen has no such pending or active contact and
// EFORBIDDEN while cooling off.
func (s *Service) Remove(ctx context.Context, by account.Session, id string, cl account.Client) error {
	rec, err := s.store.TrustedContact(ctx, id)
	if err != nil || rec.CitizenID != by.CitizenID {
		return contactNotFound()
	}
	if err := s.notCooling(ctx, by.CitizenID); err != nil {
		return err
	}
	return s.end(ctx, rec, EndedByCitizen, by.CitizenID, cl)
}

// Trusts returns the relationships in which the citizen is the contact:
// invitations to answer (pending, unexpired) and citizens whose recovery
// they approve (active), newest first.
func (s *Service) Trusts(ctx context.Context, contactID string) ([]Trust, error) {
	recs, err := s.store.TrustedContactsFor(ctx, contactID)
	if err != nil {
		return nil, wrapErr("list trusts", err)
	}
	now := s.now()
	var out []Trust
	for _, r := range recs {
		if !(r.Status == StatusActive || (r.Status == StatusPending && now.Before(r.ExpiresAt))) {
			continue
		}
		c, err := s.acc.Citizens.Get(ctx, r.CitizenID)
		if err != nil || c.Status != account.StatusActive {
			continue
		}
		out = append(out, Trust{ID: r.ID, Phone: c.Phone, Status: r.Status, InvitedAt: r.InvitedAt,
			ExpiresAt: r.ExpiresAt, AcceptedAt: r.AcceptedAt, ByCitizenID: r.CitizenID})
	}
	return out, nil
}

// Accept makes the citizen the trusted contact of whoever invited them. The
// citizen must still be an adult with a confirmed account and not cooling
// off. Returns ENOTFOUND (recovery.invitation_not_found) for an invitation
// that is not theirs, was answered or expired; EFORBIDDEN
// (recovery.contact_not_eligible) otherwise refused.
func (s *Service) Accept(ctx context.Context, by account.Session, id string, cl account.Client) error {
	me, err := s.acc.Citizens.Get(ctx, by.CitizenID)
	if err != nil {
		return err
	}
	now := s.now()
	if !eligible(me, MinContactAge, now) {
		return userError(digitalid.EFORBIDDEN, "recovery.contact_not_eligible",
			"A trusted contact must be 18 or older, with an account confirmed by an identity document.")
	}
	if err := s.notCooling(ctx, me.ID); err != nil {
		return err
	}
	rec, err := s.store.TrustedContact(ctx, id)
	if err != nil || rec.ContactID != me.ID {
		return invitationNotFound()
	}
	if err := s.store.AnswerTrustedContact(ctx, id, me.ID, StatusActive, now); err != nil {
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return invitationNotFound()
		}
		return wrapErr("accept", err)
	}
	s.record(ctx, me.ID, me.ID, "recovery.invitation.accepted", "contact:"+id, audit.Success, cl, nil)
	s.record(ctx, rec.CitizenID, me.ID, "recovery.contact.accepted", "contact:"+id, audit.Success, cl, nil)
	s.notify(ctx, rec.CitizenID, KindTrustAccepted, "", nil)
	return nil
}

// Decline turns an invitation down. The inviter is not told (which would
// tell them the number has an account); they see it expire.
func (s *Service) Decline(ctx context.Context, by account.Session, id string, cl account.Client) error {
	rec, err := s.store.TrustedContact(ctx, id)
	if err != nil || rec.ContactID != by.CitizenID {
		return invitationNotFound()
	}
	if err := s.store.AnswerTrustedContact(ctx, id, by.CitizenID, StatusDeclined, s.now()); err != nil {
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return invitationNotFound()
		}
		return wrapErr("decline", err)
	}
	s.record(ctx, by.CitizenID, by.CitizenID, "recovery.invitation.declined", "contact:"+id, audit.Success, cl, nil)
	return nil
}

// Leave ends a relationship in which the citizen is the contact. Open
// recovery requests of the other citizen are cancelled; both are told.
// Returns ENOTFOUND if the citizen is not the active contact of id.
func (s *Service) Leave(ctx context.Context, by account.Session, id string, cl account.Client) error {
	rec, err := s.store.TrustedContact(ctx, id)
	if err != nil || rec.ContactID != by.CitizenID || rec.Status != StatusActive {
		return contactNotFound()
	}
	return s.end(ctx, rec, EndedByContact, by.CitizenID, cl)
}

// end ends rec and tells both sides; actor is the citizen who ended it.
func (s *Service) end(ctx context.Context, rec ContactRecord, endedBy, actor string, cl account.Client) error {
	cancelled, err := s.store.EndTrustedContact(ctx, rec.ID, endedBy, s.now())
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return contactNotFound()
	}
	if err != nil {
		return wrapErr("end contact", err)
	}
	details := map[string]string{"by": endedBy}
	s.record(ctx, rec.CitizenID, actor, "recovery.contact.ended", "contact:"+rec.ID, audit.Success, cl, details)
	if rec.ContactID != "" {
		s.record(ctx, rec.ContactID, actor, "recovery.contact.ended", "contact:"+rec.ID, audit.Success, cl, details)
	}
	if rec.Status == StatusActive && rec.ContactID != "" {
		citizen, err1 := s.acc.Citizens.Get(ctx, rec.CitizenID)
		contact, err2 := s.acc.Citizens.Get(ctx, rec.ContactID)
		if err1 == nil && err2 == nil {
			s.notify(ctx, rec.CitizenID, KindTrustEnded, textEnded, map[string]string{"phone": contact.Phone})
			s.notify(ctx, rec.ContactID, KindTrustEnded, textEnded, map[string]string{"phone": citizen.Phone})
		}
	} else if endedBy == EndedByCitizen {
		s.notify(ctx, rec.CitizenID, KindTrustEnded, "", nil)
	}
	for _, id := range cancelled {
		s.record(ctx, rec.CitizenID, actor, "recovery.cancelled", "recovery:"+id, audit.Success, cl,
			map[string]string{"reason": "contact_ended"})
		s.notify(ctx, rec.CitizenID, KindRecoveryCancelled, textCancelled, nil)
	}
	return nil
}

// eligible reports whether c may take part: an active account, assurance
// standard or higher, a confirmed birth date and at least minAge years.
func eligible(c account.Citizen, minAge int, now time.Time) bool {
	if c.Status != account.StatusActive || !c.Assurance.AtLeast(account.AssuranceStandard) {
		return false
	}
	age, ok := c.Age(now)
	return ok && age >= minAge
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	bad := name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLen ||
		strings.IndexFunc(name, unicode.IsControl) >= 0
	if bad {
		return "", fieldError("name", "recovery.name", "Give the contact a name of 1 to 64 characters.")
	}
	return name, nil
}

// looksE164 accepts + and 8 to 15 digits; the HTTP layer normalises first.
func looksE164(p string) bool {
	if len(p) < 9 || len(p) > 16 || p[0] != '+' || p[1] == '0' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

func nameAAD(id string) string { return "contact_name:" + id }

func contactNotFound() error {
	return userError(digitalid.ENOTFOUND, "recovery.contact_not_found", "There is no such trusted contact.")
}

func invitationNotFound() error {
	return userError(digitalid.ENOTFOUND, "recovery.invitation_not_found", "The invitation was answered, withdrawn or has expired.")
}
