package issuer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/vault"
)

// typeSNILS is a type whose arrival has effects beyond the vault, besides
// the passports (ConfirmableTypes).
const typeSNILS = "snils"

// CitizenRef names the citizen a document is for: exactly one of a phone
// number (E.164) or a SNILS some issuer has already pushed for them.
type CitizenRef struct {
	Phone string `json:"phone,omitempty"`
	SNILS string `json:"snils,omitempty"`
}

// Push is one document an issuer sends: its own reference, the citizen,
// the vault type, the compact JWS whose payload is the fields JSON, and the
// idempotency key (required). Photo is an optional portrait for a passport
// (vault.PhotoAllowed), which the signed payload must name by its SHA-256
// (PhotoClaim).
type Push struct {
	Ref            string
	Citizen        CitizenRef
	Type           string
	Document       string
	IdempotencyKey string
	Photo          []byte
}

// Result is what a push stored.
type Result struct {
	Document vault.Document
	Created  bool
}

// Push stores a document sent by iss: the issuer must be active and allowed
// the type (EFORBIDDEN), the document JWS must verify under its keys and the
// fields validate (EINVALID with field errors), the citizen must exist
// (ENOTFOUND, saying no more), and the idempotency key follows
// vault.UpsertFromIssuer (ECONFLICT for another request under the same key).
// A photo must be a passport's, named by the payload's PhotoClaim (which is
// not a field), and pass vault.IssuerOptions' checks: else EINVALID (or
// ETOOLARGE) with a field error on "photo". A stored SNILS becomes a way to address its citizen; a confirmed passport
// sets the citizen's birth date and raises assurance basic → standard.
// Nothing is stored when an error is returned, except that a failure of
// those last two steps leaves the document stored: repeating the call with
// the same idempotency key completes them.
func (s *Service) Push(ctx context.Context, iss Issuer, p Push) (Result, error) {
	payload, err := s.checkPush(iss, p)
	if err != nil {
		return Result{}, err
	}
	citizenID, err := s.resolve(ctx, p.Citizen)
	if err != nil {
		return Result{}, err
	}
	res, err := s.storeFor(ctx, iss, citizenID, p, payload)
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// checkPush checks what a push is before its citizen is known: the issuer
// active and allowed the type, an idempotency key, the document's JWS under
// the issuer's keys and the photo it names. It returns the payload without
// the PhotoClaim, which the vault validates as the fields.
func (s *Service) checkPush(iss Issuer, p Push) ([]byte, error) {
	if iss.Status != StatusActive {
		return nil, unauthorized("assertion_invalid", "The issuer is not active.", nil)
	}
	if p.IdempotencyKey == "" {
		return nil, invalid("idempotency_key", "required", "An Idempotency-Key is required.")
	}
	if !iss.Allows(p.Type) {
		return nil, &digitalid.Error{Code: digitalid.EFORBIDDEN, Key: "issuer.error.type_not_allowed",
			Message: "This issuer may not issue documents of this type."}
	}
	payload, err := verifyJWS(iss.PublicKeys, p.Document)
	if err != nil {
		code := "malformed"
		if errors.Is(err, errSignature) {
			code = "signature"
		}
		return nil, invalid("document", code, "The document must be a compact JWS signed by the issuer: "+err.Error())
	}
	if len(p.Photo) > 0 && !vault.PhotoAllowed(p.Type) {
		return nil, invalid("photo", vault.CodePhotoType, "Only a passport (passport_ru, passport_international) carries a portrait photo.")
	}
	payload, claim, named, err := photoClaim(payload)
	if err != nil {
		return nil, err
	}
	if err := checkPhotoClaim(p.Photo, claim, named); err != nil {
		return nil, err
	}
	return payload, nil
}

// storeFor keeps a checked push (checkPush's payload) for the citizen with id
// citizenID in the vault and applies its effects: the part of Push shared
// with the confirmation of a citizen's passport (Decide). When the effects
// fail, the Result still names the stored document beside the error.
func (s *Service) storeFor(ctx context.Context, iss Issuer, citizenID string, p Push, payload []byte) (Result, error) {
	d, created, err := s.cfg.Vault.UpsertFromIssuerWith(ctx, iss.ID, citizenID, p.Type, json.RawMessage(payload), p.Document, p.Ref, p.IdempotencyKey,
		vault.IssuerOptions{Photo: p.Photo})
	if err != nil {
		s.callEvent(ctx, iss.ID, citizenID, "issuer.document_push", p.Type, err)
		// A document stored before the error (its audit failed) is named,
		// as below: a confirmation keeps its claim for the retry.
		return Result{Document: d, Created: created}, fmt.Errorf("issuer: push: %w", err)
	}
	if err := s.effects(ctx, d); err != nil {
		// The document is stored: say which, for a caller that must
		// know (a confirmation keeps its claim then).
		return Result{Document: d, Created: created}, err
	}
	return Result{Document: d, Created: created}, nil
}

// Revoke revokes the document iss stored under ref. Returns ENOTFOUND when
// iss has no such document. Assurance is never lowered by a revocation.
func (s *Service) Revoke(ctx context.Context, iss Issuer, ref string) (vault.Document, error) {
	if iss.Status != StatusActive {
		return vault.Document{}, unauthorized("assertion_invalid", "The issuer is not active.", nil)
	}
	d, err := s.cfg.Vault.RevokeFromIssuer(ctx, iss.ID, ref)
	if err != nil {
		return vault.Document{}, fmt.Errorf("issuer: revoke: %w", err)
	}
	return d, nil
}

// resolve finds the citizen a reference names. Unknown and deleted
// citizens are the same ENOTFOUND.
func (s *Service) resolve(ctx context.Context, ref CitizenRef) (string, error) {
	notFound := &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "issuer.error.citizen_unknown",
		Message: "No citizen matches this identifier."}
	switch {
	case (ref.Phone == "") == (ref.SNILS == ""):
		return "", invalid("citizen", "required", "Name the citizen by exactly one of phone or snils.")
	case ref.Phone != "":
		c, err := s.cfg.Citizens.ByPhone(ctx, ref.Phone)
		switch code := digitalid.ErrorCode(err); {
		case code == digitalid.EINVALID:
			return "", invalid("citizen.phone", "format", "The phone number must be in E.164 form (+7…).")
		case code == digitalid.ENOTFOUND:
			return "", notFound
		case err != nil:
			return "", fmt.Errorf("issuer: find citizen: %w", err)
		case c.Status != account.StatusActive:
			return "", notFound
		}
		return c.ID, nil
	default:
		n, err := vault.ParseSNILS(ref.SNILS)
		if err != nil {
			return "", invalid("citizen.snils", "format", "The SNILS is not valid.")
		}
		id, err := s.cfg.Store.CitizenByIdentifier(ctx, KindSNILS, s.mac(KindSNILS, n))
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return "", notFound
		}
		if err != nil {
			return "", fmt.Errorf("issuer: find citizen: %w", err)
		}
		c, err := s.cfg.Citizens.Get(ctx, id)
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND || (err == nil && c.Status != account.StatusActive) {
			return "", notFound
		}
		if err != nil {
			return "", fmt.Errorf("issuer: find citizen: %w", err)
		}
		return c.ID, nil
	}
}

// effects applies what a stored document means beyond the vault. Each step
// is idempotent, so a retried call finishes what a failed one began.
func (s *Service) effects(ctx context.Context, d vault.Document) error {
	switch {
	case d.TypeID == typeSNILS && d.Status != vault.StatusRevoked:
		n := d.Fields.Text("number")
		if n == "" {
			return nil
		}
		if err := s.cfg.Store.PutCitizenIdentifier(ctx, KindSNILS, s.mac(KindSNILS, n), d.CitizenID, s.cfg.Clock()); err != nil {
			return fmt.Errorf("issuer: index snils: %w", err)
		}
	case slices.Contains(ConfirmableTypes(), d.TypeID) && d.Confirmed():
		if err := s.cfg.Store.PutCitizenIdentifier(ctx, KindPassport, s.passportKey(d.TypeID, d.Fields), d.CitizenID, s.cfg.Clock()); err != nil {
			return fmt.Errorf("issuer: index passport: %w", err)
		}
		return s.raiseAssurance(ctx, d)
	}
	return nil
}

// raiseAssurance sets the birth date from a confirmed passport and raises
// basic to standard; it never lowers a level nor goes above standard. A
// citizen the passport shows younger than account.MinAccountAge keeps their
// level: an account is allowed from 14, so identity is not confirmed below
// it (the birth date is stored, and the raise happens at the next push
// after the birthday).
func (s *Service) raiseAssurance(ctx context.Context, d vault.Document) error {
	birth, err := time.Parse(time.DateOnly, d.Fields.Text("birth_date"))
	if err != nil {
		return fmt.Errorf("issuer: passport %s has no birth date: %w", d.ID, err)
	}
	if err := s.cfg.Citizens.SetBirthDate(ctx, d.CitizenID, birth); err != nil {
		return fmt.Errorf("issuer: set birth date: %w", err)
	}
	if account.AgeAt(birth, s.cfg.Clock()) < account.MinAccountAge {
		s.cfg.Logger.InfoContext(ctx, "assurance not raised: younger than the account age", "citizen", d.CitizenID, "document", d.ID)
		return nil
	}
	c, err := s.cfg.Citizens.Get(ctx, d.CitizenID)
	if err != nil {
		return fmt.Errorf("issuer: read citizen: %w", err)
	}
	if c.Assurance.Rank() >= account.AssuranceStandard.Rank() {
		return nil
	}
	if err := s.cfg.Citizens.SetAssurance(ctx, d.CitizenID, account.AssuranceStandard); err != nil {
		return fmt.Errorf("issuer: raise assurance: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "assurance raised by issuer document", "citizen", d.CitizenID, "document", d.ID)
	return nil
}

// callEvent audits a refused or failed call on the citizen's chain (the
// vault audits the changes it makes).
func (s *Service) callEvent(ctx context.Context, issuerID, citizenID, action, typeID string, cause error) {
	result := audit.Failure
	code := digitalid.ErrorCode(cause)
	if code == digitalid.ECONFLICT || code == digitalid.EFORBIDDEN {
		result = audit.Denied
	}
	details := map[string]string{"code": code}
	if audit.ValidateDetails(map[string]string{"type": typeID}) == nil {
		details["type"] = typeID
	}
	_, err := s.cfg.Audit.Append(ctx, audit.Event{Chain: citizenID, Actor: audit.Actor{Type: audit.ActorIssuer, ID: issuerID},
		Action: action, Object: "issuer:" + issuerID, Result: result, Details: details})
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "audit of issuer call failed", "issuer", issuerID, "err", err)
	}
}

// passportKey is the index key of a passport: its type and the digits of
// its series and number.
func (s *Service) passportKey(typeID string, f vault.Fields) []byte {
	return s.mac(KindPassport, typeID+":"+digitsOf(f.Text("series"))+digitsOf(f.Text("number")))
}

// mac is the index key of an identifier.
func (s *Service) mac(kind, value string) []byte {
	m := hmac.New(sha256.New, s.cfg.IndexKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

func invalid(field, code, msg string) error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: "issuer.error.invalid", Message: msg,
		Fields: []digitalid.FieldError{{Field: field, Code: code, Message: msg}}}
}
