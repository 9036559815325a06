package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/vault"
)

// IndexKeySize is the size of the key of the citizen identifier index.
const IndexKeySize = 32

// SecretIndex is the platform secret (wrapped by the KeyStore) that keys
// the citizen identifier index; every instance must load the same.
const SecretIndex = "issuer-index"

// Vault is what the issuing flow needs of the document vault;
// *vault.Service implements it.
type Vault interface {
	UpsertFromIssuerWith(ctx context.Context, issuerID, citizenID, typeID string, raw json.RawMessage,
		signature, issuerDocID, idempotencyKey string, opt vault.IssuerOptions) (vault.Document, bool, error)
	RevokeFromIssuer(ctx context.Context, issuerID, issuerDocID string) (vault.Document, error)
	// Get and Delete serve confirmation requests (confirm.go): the
	// citizen's self-declared document is read to be shown to the issuer
	// and deleted once the issuer's own document replaces it.
	Get(ctx context.Context, citizenID, docID string) (vault.Document, error)
	Delete(ctx context.Context, citizenID, docID string) error
	// List serves PromoteOfAge (age.go): the metadata of a citizen's
	// documents, to find a confirmed passport.
	List(ctx context.Context, citizenID string) ([]vault.Document, error)
}

// Citizens is what the issuing flow needs of accounts; *account.Citizens
// implements it. ByPhone returns ENOTFOUND for an unknown number.
type Citizens interface {
	ByPhone(ctx context.Context, phone string) (account.Citizen, error)
	Get(ctx context.Context, id string) (account.Citizen, error)
	SetAssurance(ctx context.Context, id string, a account.Assurance) error
	SetBirthDate(ctx context.Context, id string, birth time.Time) error
	OfAgeAt(ctx context.Context, now time.Time) ([]account.Citizen, error)
}

// Types says whether a vault document type exists; *vault.Registry's
// Latest serves (see TypesOf).
type Types func(id string) bool

// TypesOf adapts a vault registry.
func TypesOf(r *vault.Registry) Types {
	return func(id string) bool { _, ok := r.Latest(id); return ok }
}

// Config holds the Service's dependencies. Store, Vault, Citizens, Types,
// Audit and a 32-byte IndexKey are required; a nil Clock is the system
// clock and a nil Logger discards.
type Config struct {
	Store    Store
	Vault    Vault
	Citizens Citizens
	Types    Types
	Audit    *audit.Log
	IndexKey []byte
	Clock    digitalid.Clock
	Logger   *slog.Logger
	// Rate is how many authenticated calls one issuer may make per window
	// (Max zero: DefaultRate), counted in Limits (nil: Store, if it is an
	// account.LimitStore, as store.DB is) so it holds across instances.
	Rate   account.Rate
	Limits account.LimitStore
	// Confirmations keeps citizens' confirmation requests (nil: Store, if
	// it is a ConfirmStore, as store.DB is); Notifier tells citizens how
	// they were decided (nil: nobody is told).
	Confirmations ConfirmStore
	Notifier      ConfirmNotifier
}

// Service is the issuer registry and the issuing flow. It is safe for
// concurrent use and instances sharing a database agree.
type Service struct {
	cfg Config
}

// New returns the Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Vault == nil || cfg.Citizens == nil || cfg.Types == nil || cfg.Audit == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "issuer: store, vault, citizens, types and audit log are required")
	}
	if len(cfg.IndexKey) != IndexKeySize {
		return nil, digitalid.Errorf(digitalid.EINVALID, "issuer: the index key must be %d bytes", IndexKeySize)
	}
	cfg.IndexKey = append([]byte(nil), cfg.IndexKey...)
	if err := cfg.limits(); err != nil {
		return nil, err
	}
	if cfg.Confirmations == nil {
		cfg.Confirmations, _ = cfg.Store.(ConfirmStore)
	}
	if cfg.Clock == nil {
		cfg.Clock = digitalid.SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}, nil
}

// Add registers an issuer on behalf of the operator, active from now, and
// audits it on the system chain. Returns EINVALID (with field errors) for a
// bad id, name, type or key set and ECONFLICT if the id is taken.
func (s *Service) Add(ctx context.Context, operator string, i Issuer) (Issuer, error) {
	i.Name = strings.TrimSpace(i.Name)
	var fes []digitalid.FieldError
	if !ValidID(i.ID) {
		fes = append(fes, fieldError("id", "An issuer id is 2 to 32 of a-z, 0-9, _ and -, starting with a letter."))
	}
	if i.Name == "" || len(i.Name) > 200 {
		fes = append(fes, fieldError("name", "A name of 1 to 200 characters is required."))
	}
	if len(i.AllowedTypes) == 0 {
		fes = append(fes, fieldError("types", "At least one document type is required."))
	}
	for _, t := range i.AllowedTypes {
		if !s.cfg.Types(t) {
			fes = append(fes, fieldError("types", fmt.Sprintf("Unknown document type %q.", t)))
		}
	}
	if err := checkKeys(i.PublicKeys); err != nil {
		fes = append(fes, fieldError("jwks", err.Error()))
	}
	if len(fes) > 0 {
		return Issuer{}, &digitalid.Error{Code: digitalid.EINVALID, Key: "issuer.error.invalid", Message: "The issuer is not valid.", Fields: fes}
	}
	i.Status, i.CreatedAt, i.DisabledAt = StatusActive, s.cfg.Clock().UTC(), time.Time{}
	if err := s.cfg.Store.CreateIssuer(ctx, i); err != nil {
		return Issuer{}, fmt.Errorf("issuer: add %s: %w", i.ID, err)
	}
	return i, s.operatorEvent(ctx, operator, "issuer.added", i.ID)
}

// List returns every issuer, by id.
func (s *Service) List(ctx context.Context) ([]Issuer, error) {
	l, err := s.cfg.Store.Issuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("issuer: list: %w", err)
	}
	return l, nil
}

// Get returns one issuer. Returns ENOTFOUND if there is none.
func (s *Service) Get(ctx context.Context, id string) (Issuer, error) {
	i, err := s.cfg.Store.Issuer(ctx, id)
	if err != nil {
		return Issuer{}, fmt.Errorf("issuer: get %s: %w", id, err)
	}
	return i, nil
}

// Disable stops the issuer's calls at once (its documents stay). Returns
// ENOTFOUND if there is no such issuer.
func (s *Service) Disable(ctx context.Context, operator, id string) error {
	if err := s.cfg.Store.DisableIssuer(ctx, id, s.cfg.Clock()); err != nil {
		return fmt.Errorf("issuer: disable %s: %w", id, err)
	}
	return s.operatorEvent(ctx, operator, "issuer.disabled", id)
}

// PurgeAssertions deletes expired assertion ids; a periodic job calls it.
func (s *Service) PurgeAssertions(ctx context.Context) (int64, error) {
	n, err := s.cfg.Store.PurgeAssertions(ctx, s.cfg.Clock())
	if err != nil {
		return 0, fmt.Errorf("issuer: purge assertions: %w", err)
	}
	return n, nil
}

func (s *Service) operatorEvent(ctx context.Context, operator, action, id string) error {
	if operator == "" {
		operator = "cli"
	}
	_, err := s.cfg.Audit.Append(ctx, audit.Event{Chain: audit.SystemChain, Actor: audit.Actor{Type: audit.ActorOperator, ID: operator},
		Action: action, Object: "issuer:" + id, Result: audit.Success})
	if err != nil {
		return fmt.Errorf("issuer: audit %s: %w", action, err)
	}
	return nil
}

func fieldError(field, msg string) digitalid.FieldError {
	return digitalid.FieldError{Field: field, Message: msg}
}
