package present

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// secretBytes is the entropy of a verifier API secret.
const secretBytes = 32

// AddVerifier registers a verifier on behalf of the operator and returns it
// with its API secret, shown this once: only a keyed hash is kept. Returns
// EINVALID (with field errors) for a bad name or purpose.
func (s *Service) AddVerifier(ctx context.Context, operator, name string, purposes []string) (Verifier, string, error) {
	name = strings.TrimSpace(name)
	var fes []digitalid.FieldError
	if name == "" || utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "\r\n\t") {
		fes = append(fes, digitalid.FieldError{Field: "name", Code: "invalid", Message: "A name of 1 to 200 characters on one line is required."})
	}
	if len(purposes) == 0 {
		fes = append(fes, digitalid.FieldError{Field: "purposes", Code: "required", Message: "At least one purpose is required."})
	}
	var ps []string
	for _, p := range purposes {
		if _, ok := LookupPurpose(p); !ok {
			fes = append(fes, digitalid.FieldError{Field: "purposes", Code: "unknown",
				Message: fmt.Sprintf("Unknown purpose %q (known: %s).", p, strings.Join(PurposeNames(), ", "))})
			continue
		}
		if !contains(ps, p) {
			ps = append(ps, p)
		}
	}
	if len(fes) > 0 {
		return Verifier{}, "", &digitalid.Error{Code: digitalid.EINVALID, Key: "present.error.verifier_invalid", Message: "The verifier is not valid.", Fields: fes}
	}
	v := Verifier{ID: randomID(15), Name: name, Purposes: ps, Status: StatusActive, CreatedAt: s.cfg.Clock().UTC()}
	secret := newSecret()
	if err := s.cfg.Store.CreateVerifier(ctx, v, s.secretHash(secret)); err != nil {
		return Verifier{}, "", fmt.Errorf("present: add verifier: %w", err)
	}
	return v, v.ID + "." + secret, s.operatorEvent(ctx, operator, "verifier.added", v.ID)
}

// Verifiers returns every verifier, oldest first.
func (s *Service) Verifiers(ctx context.Context) ([]Verifier, error) {
	l, err := s.cfg.Store.Verifiers(ctx)
	if err != nil {
		return nil, fmt.Errorf("present: list verifiers: %w", err)
	}
	return l, nil
}

// Verifier returns one verifier. Returns ENOTFOUND if there is none.
func (s *Service) Verifier(ctx context.Context, id string) (Verifier, error) {
	v, _, err := s.cfg.Store.Verifier(ctx, id)
	if err != nil {
		return Verifier{}, fmt.Errorf("present: verifier %s: %w", id, err)
	}
	return v, nil
}

// DisableVerifier stops the verifier's calls and staff sessions at once.
// Returns ENOTFOUND if there is none.
func (s *Service) DisableVerifier(ctx context.Context, operator, id string) error {
	if err := s.cfg.Store.DisableVerifier(ctx, id, s.cfg.Clock().UTC()); err != nil {
		return fmt.Errorf("present: disable verifier %s: %w", id, err)
	}
	return s.operatorEvent(ctx, operator, "verifier.disabled", id)
}

// RotateSecret gives the verifier a new API secret (returned in the
// "<id>.<secret>" form, shown this once); the old one stops working at once
// and staff are signed out. Returns ENOTFOUND if there is none.
func (s *Service) RotateSecret(ctx context.Context, operator, id string) (string, error) {
	secret := newSecret()
	if err := s.cfg.Store.SetVerifierSecret(ctx, id, s.secretHash(secret), s.cfg.Clock().UTC()); err != nil {
		return "", fmt.Errorf("present: rotate secret of %s: %w", id, err)
	}
	return id + "." + secret, s.operatorEvent(ctx, operator, "verifier.secret_rotated", id)
}

// Authenticate checks verifier credentials of the form "<id>.<secret>"
// (constant-time against the keyed hash) and returns the active verifier.
// Any failure is EUNAUTHORIZED, saying no more.
func (s *Service) Authenticate(ctx context.Context, credentials string) (Verifier, error) {
	id, secret, ok := strings.Cut(strings.TrimSpace(credentials), ".")
	if !ok || id == "" || secret == "" || len(credentials) > 256 {
		return Verifier{}, unauthorized(nil)
	}
	v, hash, err := s.cfg.Store.Verifier(ctx, id)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		s.secretHash(secret) // the same work as for a known id
		return Verifier{}, unauthorized(err)
	}
	if err != nil {
		return Verifier{}, fmt.Errorf("present: authenticate verifier: %w", err)
	}
	if !hmac.Equal(s.secretHash(secret), hash) || !v.Active() {
		return Verifier{}, unauthorized(nil)
	}
	return v, nil
}

// SignIn starts a scanner-staff session for the verifier whose
// credentials these are; it returns the verifier, the session token for
// the cookie (shown once, stored hashed) and when it expires.
func (s *Service) SignIn(ctx context.Context, credentials string) (Verifier, string, time.Time, error) {
	v, err := s.Authenticate(ctx, credentials)
	if err != nil {
		return Verifier{}, "", time.Time{}, err
	}
	now := s.cfg.Clock().UTC()
	token := newSecret()
	vs := VerifierSession{TokenHash: sha([]byte(token)), VerifierID: v.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.StaffSession)}
	if err := s.cfg.Store.CreateVerifierSession(ctx, vs); err != nil {
		return Verifier{}, "", time.Time{}, fmt.Errorf("present: staff sign-in: %w", err)
	}
	return v, token, vs.ExpiresAt, nil
}

// Session returns the active verifier of a staff session token. Any
// failure is EUNAUTHORIZED.
func (s *Service) Session(ctx context.Context, token string) (Verifier, error) {
	if token == "" || len(token) > 128 {
		return Verifier{}, unauthorized(nil)
	}
	vs, err := s.cfg.Store.VerifierSession(ctx, sha([]byte(token)), s.cfg.Clock())
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return Verifier{}, unauthorized(err)
	}
	if err != nil {
		return Verifier{}, fmt.Errorf("present: staff session: %w", err)
	}
	v, _, err := s.cfg.Store.Verifier(ctx, vs.VerifierID)
	if err != nil || !v.Active() {
		return Verifier{}, unauthorized(err)
	}
	return v, nil
}

// SignOut ends a staff session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.cfg.Store.DeleteVerifierSession(ctx, sha([]byte(token)))
}

func unauthorized(cause error) error {
	return &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "present.error.verifier_unauthorized",
		Message: "Unknown or disabled verifier, or wrong credentials.", Err: cause}
}

func newSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Service) operatorEvent(ctx context.Context, operator, action, id string) error {
	if operator == "" {
		operator = "cli"
	}
	_, err := s.cfg.Audit.Append(ctx, audit.Event{Chain: audit.SystemChain, Actor: audit.Actor{Type: audit.ActorOperator, ID: operator},
		Action: action, Object: "verifier:" + id, Result: audit.Success})
	if err != nil {
		return fmt.Errorf("present: audit %s: %w", action, err)
	}
	return nil
}
