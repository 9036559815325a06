package credential

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/vault"
)

// Types of derived attestations. Each is its own credential type (vct).
const (
	AgeOver14   = "age_over_14"
	AgeOver18   = "age_over_18"
	AgeOver21   = "age_over_21"
	Student     = "student"
	LargeFamily = "large_family"
)

// Claims of the derived attestations. The age attestations have one claim
// named as the type. The names follow verify.DefaultPurposes, the contract
// with third-party verifiers.
const (
	ClaimInstitution   = "institution"
	ClaimStudyForm     = "study_form"
	ClaimSpeciality    = "speciality"
	ClaimGroup         = "group"
	ClaimValidUntil    = "valid_until"
	ClaimChildrenCount = "children_count"
	ClaimChildrenAges  = "children_ages"
)

// Types returns every attestation type, in display order.
func Types() []string { return []string{AgeOver14, AgeOver18, AgeOver21, Student, LargeFamily} }

// KnownType reports whether t is an attestation type.
func KnownType(t string) bool { return slices.Contains(Types(), t) }

// ClaimNames returns the claims a credential of type t carries, all
// selectively disclosable; nil for an unknown type. A purpose discloses a
// subset of them (student's valid_until is in the credential but in no
// purpose).
func ClaimNames(t string) []string {
	switch t {
	case AgeOver14, AgeOver18, AgeOver21:
		return []string{t}
	case Student:
		return []string{ClaimInstitution, ClaimStudyForm, ClaimSpeciality, ClaimGroup, ClaimValidUntil}
	case LargeFamily:
		return []string{ClaimChildrenCount, ClaimChildrenAges}
	}
	return nil
}

// ageThreshold returns N of an age_over_N type, 0 for others.
func ageThreshold(t string) int {
	switch t {
	case AgeOver14:
		return 14
	case AgeOver18:
		return 18
	case AgeOver21:
		return 21
	}
	return 0
}

// Attestation is one derived attestation computed from an issuer-confirmed,
// unrevoked, unexpired document. Claims hold its values: a bool for the age
// attestations; strings for student (valid_until as YYYY-MM-DD); an int and
// a []int (oldest child first) for large_family. ValidUntil is when it stops
// being true: the source document's expiry, the birthday that turns an
// age_over_N false into true, a child's birthday that changes the ages; zero
// when nothing in the source bounds it.
type Attestation struct {
	Type        string
	Claims      map[string]any
	SourceDocID string
	ValidUntil  time.Time
}

// Reason is why a citizen may not have a digital ID: an i18n key (in
// web/i18n/locales/*.credential.json) and the English text.
type Reason struct{ Key, Message string }

// Eligibility says whether a citizen may hold a digital ID: aged 18 or more
// by the birth date of an issuer-confirmed passport, at assurance level
// high. Reasons list every unmet condition (empty when Eligible).
type Eligibility struct {
	Eligible bool
	Reasons  []Reason
}

// Reasons of Eligibility.
var (
	ReasonNoIdentity = Reason{Key: "credential.eligibility.no_identity",
		Message: "Add your passport through the issuing authority: the digital ID needs a confirmed date of birth."}
	ReasonUnderAge = Reason{Key: "credential.eligibility.under_age",
		Message: "The digital ID is for citizens aged 18 or over."}
	ReasonAssurance = Reason{Key: "credential.eligibility.assurance",
		Message: "Confirm your identity with a face check to raise your account to the high assurance level."}
	ReasonInactive = Reason{Key: "credential.eligibility.inactive",
		Message: "The account is deleted; restore it first."}
)

// identityTypes are the documents that confirm a date of birth, preferred
// first: the rule of vault.Service.ConfirmedIdentity.
var identityTypes = []string{"passport_ru", "passport_international"}

// Source document types of the other attestations.
const (
	typeStudentCard = "student_card"
	typeLargeFamily = "large_family_certificate"
)

// expiryGrace is how long after midnight UTC of its expiry date a document
// still counts as valid: the vault calls it expired once the date has
// passed anywhere on Earth (UTC+14), that is at 10:00 UTC the next day.
const expiryGrace = 10 * time.Hour

// Attestations derives every attestation the citizen's confirmed documents
// support now: the three age attestations from the passport
// vault.Service.ConfirmedIdentity would pick (true or false), student from
// the most recently updated confirmed student card, large_family from the
// most recently updated confirmed large-family certificate. Self-declared,
// revoked and expired documents never count. The reads are the citizen's
// own (vault Get) and are not audited; issuance is.
//
// Ages are computed on the UTC calendar date: a citizen turns N at 00:00 UTC
// of their birthday (a 29 February birthday on 1 March in common years).
// Returns an empty list for a citizen without such documents, ENOTFOUND
// (vault.ErrShredded) for a shredded one.
func (s *Service) Attestations(ctx context.Context, citizenID string) ([]Attestation, error) {
	docs, err := s.sources(ctx, citizenID)
	if err != nil {
		return nil, err
	}
	return derive(s.reg, docs, s.now()), nil
}

// Attestation returns the citizen's attestation of type t, or ENOTFOUND
// (key credential.error.no_source) when no confirmed document supports it.
func (s *Service) Attestation(ctx context.Context, citizenID, t string) (Attestation, error) {
	if !KnownType(t) {
		return Attestation{}, errUnknownType(t)
	}
	docs, err := s.sources(ctx, citizenID)
	if err != nil {
		return Attestation{}, err
	}
	return attestationOf(derive(s.reg, docs, s.now()), t)
}

// attestationOf returns the attestation of type t among as.
func attestationOf(as []Attestation, t string) (Attestation, error) {
	for _, a := range as {
		if a.Type == t {
			return a, nil
		}
	}
	return Attestation{}, &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "credential.error.no_source",
		Message: "No confirmed document supports this attestation."}
}

// Eligibility tells whether the citizen may hold a digital ID, and if not
// why. Returns ENOTFOUND for an unknown citizen.
func (s *Service) Eligibility(ctx context.Context, citizenID string) (Eligibility, error) {
	el, _, err := s.eligibility(ctx, citizenID)
	return el, err
}

// eligibility returns the citizen's Eligibility and the source documents it
// read, for Issue to derive from without reading them twice.
func (s *Service) eligibility(ctx context.Context, citizenID string) (Eligibility, []vault.Document, error) {
	c, err := s.citizens.Get(ctx, citizenID)
	if err != nil {
		return Eligibility{}, nil, fmt.Errorf("credential: eligibility of %s: %w", citizenID, err)
	}
	docs, err := s.sources(ctx, citizenID)
	if err != nil && !errors.Is(err, vault.ErrShredded) {
		return Eligibility{}, nil, err
	}
	return judge(s.reg, c, docs, s.now()), docs, nil
}

// judge applies the eligibility rule to a citizen and their sources at now.
func judge(reg *vault.Registry, c account.Citizen, docs []vault.Document, now time.Time) Eligibility {
	var reasons []Reason
	if c.Status != account.StatusActive {
		reasons = append(reasons, ReasonInactive)
	}
	id, ok := pick(docs, identityTypes...)
	birth, okb := birthDateOf(reg, id)
	switch {
	case !ok || !okb:
		reasons = append(reasons, ReasonNoIdentity)
	case account.AgeAt(birth, now.UTC()) < account.MinDigitalIDAge:
		reasons = append(reasons, ReasonUnderAge)
	}
	if !c.Assurance.AtLeast(account.AssuranceHigh) {
		reasons = append(reasons, ReasonAssurance)
	}
	return Eligibility{Eligible: len(reasons) == 0, Reasons: reasons}
}

// Portrait returns the face photo of the citizen's issuer-confirmed passport,
// for an inspector to compare with the person in front of them. The rule: of
// the passport ConfirmedIdentity would pick (issuer-confirmed, valid; the
// internal passport before the international one, the most recently updated
// first), the first JPEG or PNG file attached to it. A self-declared
// document's scan never counts, since anyone can upload any face. Returns
// ENOTFOUND when there is no such passport or it carries no photo.
func (s *Service) Portrait(ctx context.Context, citizenID string) (data []byte, contentType string, err error) {
	docs, err := s.sources(ctx, citizenID)
	if err != nil {
		return nil, "", err
	}
	d, ok := pick(docs, identityTypes...)
	if ok {
		for _, f := range d.Files {
			if f.MediaType != vault.MediaJPEG && f.MediaType != vault.MediaPNG {
				continue
			}
			file, err := s.vault.File(ctx, citizenID, d.ID, f.ID)
			if err != nil {
				return nil, "", fmt.Errorf("credential: portrait of %s: %w", citizenID, err)
			}
			return file.Content, file.MediaType, nil
		}
	}
	return nil, "", &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "credential.error.no_portrait",
		Message: "There is no photo from a confirmed passport."}
}

// sources returns, opened, the confirmed documents attestations may derive
// from: the preferred identity document, student card and large-family
// certificate (at most one of each kind).
func (s *Service) sources(ctx context.Context, citizenID string) ([]vault.Document, error) {
	all, err := s.vault.List(ctx, citizenID)
	if err != nil {
		return nil, fmt.Errorf("credential: documents of %s: %w", citizenID, err)
	}
	var out []vault.Document
	for _, kind := range [][]string{identityTypes, {typeStudentCard}, {typeLargeFamily}} {
		d, ok := pick(all, kind...)
		if !ok {
			continue
		}
		full, err := s.vault.Get(ctx, citizenID, d.ID)
		if err != nil {
			return nil, fmt.Errorf("credential: document %s: %w", d.ID, err)
		}
		out = append(out, full)
	}
	return out, nil
}

// pick returns the confirmed document of one of types that counts: the
// earliest type in types first, then the most recently updated.
func pick(docs []vault.Document, types ...string) (vault.Document, bool) {
	var best vault.Document
	found := false
	for _, d := range docs {
		rank := slices.Index(types, d.TypeID)
		if rank < 0 || !d.Confirmed() {
			continue
		}
		if !found || cmp.Or(cmp.Compare(rank, slices.Index(types, best.TypeID)), best.UpdatedAt.Compare(d.UpdatedAt)) < 0 {
			best, found = d, true
		}
	}
	return best, found
}

// derive computes the attestations of opened documents at now. It checks
// again that each is confirmed (issuer, valid at now), so it can be tested
// without a vault.
func derive(reg *vault.Registry, docs []vault.Document, now time.Time) []Attestation {
	now = now.UTC()
	var out []Attestation
	if d, ok := pick(docs, identityTypes...); ok {
		if birth, ok := birthDateOf(reg, d); ok {
			for _, t := range []string{AgeOver14, AgeOver18, AgeOver21} {
				out = append(out, ageAttestation(t, birth, d, now))
			}
		}
	}
	if d, ok := pick(docs, typeStudentCard); ok {
		if a, ok := studentAttestation(reg, d); ok {
			out = append(out, a)
		}
	}
	if d, ok := pick(docs, typeLargeFamily); ok {
		if a, ok := largeFamilyAttestation(reg, d, now); ok {
			out = append(out, a)
		}
	}
	return out
}

// claimField returns the field a document's type uses for a vault claim.
func claimField(reg *vault.Registry, d vault.Document, claim string) string {
	t, ok := reg.Type(d.TypeID, d.Version)
	if !ok {
		return ""
	}
	return t.Claims()[claim]
}

func birthDateOf(reg *vault.Registry, d vault.Document) (time.Time, bool) {
	if d.ID == "" {
		return time.Time{}, false
	}
	b, err := time.Parse(time.DateOnly, d.Fields.Text(claimField(reg, d, vault.ClaimBirthDate)))
	return b, err == nil
}

// sourceUntil is when a document stops counting (zero: it has no expiry).
func sourceUntil(d vault.Document) time.Time {
	if d.ExpiresOn.IsZero() {
		return time.Time{}
	}
	return d.ExpiresOn.Add(expiryGrace)
}

// earliest returns the earliest non-zero time.
func earliest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if !t.IsZero() && (out.IsZero() || t.Before(out)) {
			out = t
		}
	}
	return out
}

// birthday returns the day someone born on birth turns years old, 29
// February becoming 1 March in common years (as account.AgeAt counts).
func birthday(birth time.Time, years int) time.Time {
	return time.Date(birth.Year()+years, birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)
}

func ageAttestation(t string, birth time.Time, d vault.Document, now time.Time) Attestation {
	n := ageThreshold(t)
	over := account.AgeAt(birth, now) >= n
	until := sourceUntil(d)
	if !over {
		until = earliest(until, birthday(birth, n))
	}
	return Attestation{Type: t, Claims: map[string]any{t: over}, SourceDocID: d.ID, ValidUntil: until}
}

func studentAttestation(reg *vault.Registry, d vault.Document) (Attestation, bool) {
	claims := map[string]any{}
	for _, c := range [][2]string{
		{ClaimInstitution, vault.ClaimInstitution}, {ClaimStudyForm, vault.ClaimStudyForm},
		{ClaimSpeciality, vault.ClaimSpeciality}, {ClaimGroup, vault.ClaimGroup}, {ClaimValidUntil, vault.ClaimValidUntil},
	} {
		v := d.Fields.Text(claimField(reg, d, c[1]))
		if v == "" {
			return Attestation{}, false
		}
		claims[c[0]] = v
	}
	return Attestation{Type: Student, Claims: claims, SourceDocID: d.ID, ValidUntil: sourceUntil(d)}, true
}

func largeFamilyAttestation(reg *vault.Registry, d vault.Document, now time.Time) (Attestation, bool) {
	children := d.Fields.Children(claimField(reg, d, vault.ClaimChildren))
	if len(children) == 0 {
		return Attestation{}, false
	}
	until := sourceUntil(d)
	ages := make([]int, 0, len(children))
	for _, c := range children {
		b, err := time.Parse(time.DateOnly, c.BirthDate)
		if err != nil {
			return Attestation{}, false
		}
		age := account.AgeAt(b, now)
		ages = append(ages, age)
		until = earliest(until, birthday(b, age+1))
	}
	slices.SortFunc(ages, func(a, b int) int { return cmp.Compare(b, a) })
	return Attestation{Type: LargeFamily, SourceDocID: d.ID, ValidUntil: until,
		Claims: map[string]any{ClaimChildrenCount: len(ages), ClaimChildrenAges: ages}}, true
}

func errUnknownType(t string) error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: "credential.error.unknown_type",
		Message: "Unknown credential type.",
		Fields: []digitalid.FieldError{{Field: "type", Code: "unknown", Key: "credential.error.unknown_type",
			Message: "Choose one of age_over_14, age_over_18, age_over_21, student, large_family."}}}
}
