package account

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/sms"
)

// DefaultLang is the language of a citizen who has not chosen one.
const DefaultLang = "ru"

// birthLayout is how a birth date is written before it is sealed.
const birthLayout = "2006-01-02"

// CitizenRecord is a citizen as stored: the phone number only as a keyed
// lookup hash and a ciphertext, the birth date only sealed. It is what the
// Store keeps; services hand out Citizen.
type CitizenRecord struct {
	ID          string
	PhoneKey    []byte // HMAC-SHA256(account-phone-index, phone); unique
	PhoneSealed []byte // AES-256-GCM(account-phone-seal, phone, AAD = ID)
	Lang        string
	Assurance   Assurance
	BirthSealed []byte // sealed "YYYY-MM-DD" (AAD "birth_date:"+ID); nil when unknown
	Status      Status
	CreatedAt   time.Time
	DeletedAt   time.Time
}

// CitizenStore keeps citizens. store.DB implements it.
type CitizenStore interface {
	// CreateCitizen stores a new citizen. Returns ECONFLICT if the id or
	// the phone lookup key is taken.
	CreateCitizen(ctx context.Context, c CitizenRecord) error
	// CitizenByID returns a citizen. Returns ENOTFOUND if there is none.
	CitizenByID(ctx context.Context, id string) (CitizenRecord, error)
	// CitizenByPhoneKey returns the citizen with that lookup key, whatever
	// its status. Returns ENOTFOUND if there is none.
	CitizenByPhoneKey(ctx context.Context, key []byte) (CitizenRecord, error)
	// SetCitizenLang, SetCitizenAssurance and SetCitizenBirth change one
	// field. Each returns ENOTFOUND if there is no such citizen.
	SetCitizenLang(ctx context.Context, id, lang string) error
	SetCitizenAssurance(ctx context.Context, id string, a Assurance) error
	SetCitizenBirth(ctx context.Context, id string, sealed []byte) error
	// CitizensWithBirthAt returns up to limit active citizens at assurance
	// a whose birth date is known, ordered by id after afterID (""
	// starts): the few whom a confirmed passport showed too young to be
	// raised (see Citizens.OfAgeAt).
	CitizensWithBirthAt(ctx context.Context, a Assurance, afterID string, limit int) ([]CitizenRecord, error)
}

// Client is who is on the other end of a request, for the audit log: the
// client address and the HTTP request id. Both may be empty.
type Client struct {
	IP        string
	RequestID string
}

// Citizens creates and reads citizens, sealing their personal data on the
// way in and opening it on the way out.
type Citizens struct {
	store CitizenStore
	index []byte
	seal  sealer
	now   digitalid.Clock
}

// NewCitizens returns the citizens service. It uses keys.PhoneIndex and
// keys.PhoneSeal; a nil clock is the system clock.
func NewCitizens(st CitizenStore, keys Keys, clock digitalid.Clock) (*Citizens, error) {
	if st == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: citizens need a store")
	}
	s, err := keys.sealer()
	if err != nil {
		return nil, err
	}
	return &Citizens{store: st, index: keys.PhoneIndex, seal: s, now: orSystemClock(clock)}, nil
}

// Create registers a citizen with a confirmed phone number at assurance
// basic. Sign-up goes through Service.SignUp, which also sets the PIN; this
// is for seeding and tests. Returns EINVALID for a bad phone or language and
// ECONFLICT if the number is registered.
func (cs *Citizens) Create(ctx context.Context, phone, lang string) (Citizen, error) {
	rec, err := cs.newRecord(phone, lang, cs.now())
	if err != nil {
		return Citizen{}, err
	}
	if err := cs.store.CreateCitizen(ctx, rec); err != nil {
		return Citizen{}, fmt.Errorf("account: create citizen: %w", err)
	}
	return cs.open(rec)
}

// newRecord builds the stored form of a new citizen.
func (cs *Citizens) newRecord(phone, lang string, now time.Time) (CitizenRecord, error) {
	if err := checkPhone(phone); err != nil {
		return CitizenRecord{}, err
	}
	if lang == "" {
		lang = DefaultLang
	}
	if err := checkLang(lang); err != nil {
		return CitizenRecord{}, err
	}
	id := NewCitizenID()
	return CitizenRecord{
		ID:          id,
		PhoneKey:    cs.phoneKey(phone),
		PhoneSealed: cs.seal.seal(phone, id),
		Lang:        lang,
		Assurance:   AssuranceBasic,
		Status:      StatusActive,
		CreatedAt:   now,
	}, nil
}

// Get returns the citizen with id. Returns ENOTFOUND if there is none.
func (cs *Citizens) Get(ctx context.Context, id string) (Citizen, error) {
	rec, err := cs.store.CitizenByID(ctx, id)
	if err != nil {
		return Citizen{}, fmt.Errorf("account: citizen %s: %w", id, err)
	}
	return cs.open(rec)
}

// ByPhone returns the citizen registered with phone (E.164), whatever the
// account's status. Returns EINVALID for a malformed number and ENOTFOUND if
// none is registered. Only code that never reveals the answer to an
// unauthenticated caller may use it (see OTPs.RequestCode).
func (cs *Citizens) ByPhone(ctx context.Context, phone string) (Citizen, error) {
	if err := checkPhone(phone); err != nil {
		return Citizen{}, err
	}
	rec, err := cs.store.CitizenByPhoneKey(ctx, cs.phoneKey(phone))
	if err != nil {
		return Citizen{}, fmt.Errorf("account: citizen by phone: %w", err)
	}
	return cs.open(rec)
}

// SetLang sets the language of the citizen's messages (ru, kk or en).
// Returns EINVALID for another language and ENOTFOUND for an unknown id.
func (cs *Citizens) SetLang(ctx context.Context, id, lang string) error {
	if err := checkLang(lang); err != nil {
		return err
	}
	return wrapErr("set language", cs.store.SetCitizenLang(ctx, id, lang))
}

// SetAssurance sets the citizen's assurance level. Returns EINVALID for an
// unknown level and ENOTFOUND for an unknown id.
func (cs *Citizens) SetAssurance(ctx context.Context, id string, a Assurance) error {
	if a.Rank() == 0 {
		return fieldError("assurance", "account.assurance.invalid", "The assurance level is not known.")
	}
	return wrapErr("set assurance", cs.store.SetCitizenAssurance(ctx, id, a))
}

// SetBirthDate records the birth date read from a confirmed identity
// document (only its calendar date is kept). Returns EINVALID for a zero or
// future date and ENOTFOUND for an unknown id.
func (cs *Citizens) SetBirthDate(ctx context.Context, id string, birth time.Time) error {
	if birth.IsZero() || birth.After(cs.now()) {
		return fieldError("birth_date", "account.birth_date.invalid", "The birth date is not valid.")
	}
	sealed := cs.seal.seal(birth.Format(birthLayout), birthAAD(id))
	return wrapErr("set birth date", cs.store.SetCitizenBirth(ctx, id, sealed))
}

// OfAgeAt returns the active citizens at basic with a confirmed birth date
// who are MinAccountAge or older at now: those a confirmed passport showed
// too young, who have since had their birthday (their identity document is
// then confirmed for them; see issuer.Service.PromoteOfAge). The set is
// small — only under-age citizens keep a birth date at basic — and read in
// pages.
func (cs *Citizens) OfAgeAt(ctx context.Context, now time.Time) ([]Citizen, error) {
	const page = 500
	var out []Citizen
	for after := ""; ; {
		recs, err := cs.store.CitizensWithBirthAt(ctx, AssuranceBasic, after, page)
		if err != nil {
			return nil, wrapErr("list citizens with a birth date", err)
		}
		for _, r := range recs {
			c, err := cs.open(r)
			if err != nil {
				return nil, err
			}
			if age, ok := c.Age(now); ok && age >= MinAccountAge {
				out = append(out, c)
			}
			after = r.ID
		}
		if len(recs) < page {
			return out, nil
		}
	}
}

// phoneKey is the lookup key of a phone number.
func (cs *Citizens) phoneKey(phone string) []byte { return mac(cs.index, "phone", phone) }

// open turns a stored citizen into a Citizen, opening the sealed fields.
func (cs *Citizens) open(r CitizenRecord) (Citizen, error) {
	phone, err := cs.seal.open(r.PhoneSealed, r.ID)
	if err != nil {
		return Citizen{}, fmt.Errorf("account: citizen %s phone: %w", r.ID, err)
	}
	c := Citizen{
		ID: r.ID, Phone: phone, Lang: r.Lang, Assurance: r.Assurance, Status: r.Status,
		CreatedAt: r.CreatedAt, DeletedAt: r.DeletedAt,
	}
	if r.BirthSealed != nil {
		s, err := cs.seal.open(r.BirthSealed, birthAAD(r.ID))
		if err != nil {
			return Citizen{}, fmt.Errorf("account: citizen %s birth date: %w", r.ID, err)
		}
		if c.BirthDate, err = time.Parse(birthLayout, s); err != nil {
			return Citizen{}, fmt.Errorf("account: citizen %s birth date: %w", r.ID, err)
		}
	}
	return c, nil
}

func birthAAD(id string) string { return "birth_date:" + id }

// checkPhone accepts a valid number written in E.164. The HTTP layer turns
// what a citizen typed into E.164 with sms.NormalizePhone first.
func checkPhone(phone string) error {
	if !sms.IsE164(phone) {
		return fieldError("phone", "account.phone.invalid", "The phone number is not valid; write it with + and the country code.")
	}
	return nil
}

// checkLang accepts the languages a citizen can choose: ru, kk and en.
func checkLang(lang string) error {
	switch lang {
	case "ru", "kk", "en":
		return nil
	}
	return fieldError("lang", "account.lang.invalid", "The language must be ru, kk or en.")
}

// wrapErr adds context to a store error, keeping its code.
func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("account: %s: %w", what, err)
}

func orSystemClock(c digitalid.Clock) digitalid.Clock {
	if c == nil {
		return digitalid.SystemClock
	}
	return c
}
