package oidc

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// Pending returns a request waiting for consent and its relying party.
// Returns ENOTFOUND for an unknown, expired or already answered request,
// or one of a disabled relying party.
func (s *Service) Pending(ctx context.Context, id string) (Request, RelyingParty, error) {
	r, err := s.store.Request(ctx, id, s.now())
	if err != nil {
		return Request{}, RelyingParty{}, digitalid.Wrap(digitalid.ENOTFOUND, err, "The request has expired or was already answered.")
	}
	if r.State != RequestPending {
		return Request{}, RelyingParty{}, digitalid.Errorf(digitalid.ENOTFOUND, "The request has expired or was already answered.")
	}
	c, err := s.store.Client(ctx, r.ClientID)
	if err != nil || c.Status != ClientActive {
		return Request{}, RelyingParty{}, digitalid.Errorf(digitalid.ENOTFOUND, "The request has expired or was already answered.")
	}
	return r, c, nil
}

// Approval is a citizen's answer on the consent page.
type Approval struct {
	RequestID string
	CitizenID string
	DeviceID  string
	AuthTime  time.Time // the citizen's last PIN or passkey check
	Ticked    []string  // the scopes left ticked; required ones are added
	IP        string
	HTTPID    string // the HTTP request id, for the audit log
}

// Approve records the citizen's consent to the pending request: the
// requested scopes that are required or ticked, for the relying party's
// consent period. It returns the approved request (for the code) and the
// consent.
func (s *Service) Approve(ctx context.Context, a Approval) (Request, Consent, error) {
	r, c, err := s.Pending(ctx, a.RequestID)
	if err != nil {
		return Request{}, Consent{}, err
	}
	now := s.now()
	var granted []string
	for _, sc := range r.Params.Scopes {
		if sc == ScopeOpenID || sc == ScopeOfflineAccess || slices.Contains(c.RequiredScopes, sc) || slices.Contains(a.Ticked, sc) {
			granted = append(granted, sc)
		}
	}
	cons := Consent{ID: newID("cns_"), CitizenID: a.CitizenID, ClientID: c.ID, Scopes: granted, DeviceID: a.DeviceID,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(c.ConsentDays) * 24 * time.Hour)}
	r.CitizenID, r.ConsentID, r.Subject, r.Granted, r.AuthTime = a.CitizenID, cons.ID, s.Subject(c.ID, a.CitizenID), granted, a.AuthTime
	if err := s.store.ApproveRequest(ctx, r, cons, now); err != nil {
		return Request{}, Consent{}, err
	}
	r.State = RequestApproved
	err = s.record(ctx, audit.Event{Chain: a.CitizenID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: a.CitizenID},
		Action: "consent.granted", Object: "consent:" + cons.ID, Result: audit.Success, IP: a.IP, RequestID: a.HTTPID,
		Details: map[string]string{"relying_party": c.ID, "scopes": strconv.Itoa(len(granted)), "days": strconv.Itoa(c.ConsentDays)}})
	return r, cons, err
}

// Deny records that the citizen declined the request.
func (s *Service) Deny(ctx context.Context, requestID string) (Request, error) {
	r, _, err := s.Pending(ctx, requestID)
	if err != nil {
		return Request{}, err
	}
	if err := s.store.DenyRequest(ctx, requestID, s.now()); err != nil {
		return Request{}, err
	}
	r.State = RequestDenied
	return r, nil
}

// ConsentView is a consent with its relying party, for the cabinet.
type ConsentView struct {
	Consent
	Client RelyingParty
	Status string // active, expired or revoked
}

// Consents returns the citizen's consents, newest first.
func (s *Service) Consents(ctx context.Context, citizenID string) ([]ConsentView, error) {
	cs, err := s.store.Consents(ctx, citizenID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	clients := map[string]RelyingParty{}
	out := make([]ConsentView, 0, len(cs))
	for _, c := range cs {
		rp, ok := clients[c.ClientID]
		if !ok {
			if rp, err = s.store.Client(ctx, c.ClientID); err != nil {
				return nil, err
			}
			clients[c.ClientID] = rp
		}
		v := ConsentView{Consent: c, Client: rp, Status: "active"}
		switch {
		case !c.RevokedAt.IsZero():
			v.Status = "revoked"
		case !now.Before(c.ExpiresAt):
			v.Status = "expired"
		}
		out = append(out, v)
	}
	return out, nil
}

// RevokeConsent revokes one of the citizen's consents and, at once, every
// token issued under it. Returns ENOTFOUND if the citizen has no such
// active consent.
func (s *Service) RevokeConsent(ctx context.Context, citizenID, id, ip, httpID string) error {
	c, err := s.store.Consent(ctx, id)
	if err != nil || c.CitizenID != citizenID {
		return digitalid.Errorf(digitalid.ENOTFOUND, "No such consent.")
	}
	if err := s.store.RevokeConsent(ctx, citizenID, id, s.now()); err != nil {
		return err
	}
	return s.record(ctx, audit.Event{Chain: citizenID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: citizenID},
		Action: "consent.revoked", Object: "consent:" + id, Result: audit.Success, IP: ip, RequestID: httpID,
		Details: map[string]string{"relying_party": c.ClientID}})
}

// RecordAttestationRead records on the citizen's audit chain that a
// relying party read a derived attestation under a consent; the caller
// returns it only if this succeeds.
func (s *Service) RecordAttestationRead(ctx context.Context, t Token, attestation, ip, httpID string) error {
	return s.record(ctx, audit.Event{Chain: t.CitizenID, Actor: audit.Actor{Type: audit.ActorRelyingParty, ID: t.ClientID},
		Action: "attestation.read", Object: "consent:" + t.ConsentID, Result: audit.Success, IP: ip, RequestID: httpID,
		Details: map[string]string{"attestation": attestation}})
}

// IsAttestation reports whether scope names a derived attestation the
// service offers.
func (s *Service) IsAttestation(scope string) bool { return slices.Contains(s.cfg.Attestations, scope) }
