package present

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

// HandlePrefix starts an online QR payload. Its letters, the colon and the
// upper-case base32 handle are all in the QR alphanumeric set, so the code
// stays small (version 2 at level M, 3 at level H).
const HandlePrefix = "DIDH:"

// handleBytes is the entropy of a handle: 128 random bits.
const handleBytes = 16

// maxHandlePayload bounds what ParseHandle looks at.
const maxHandlePayload = 64

var handleEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrHandle is the refusal of a payload that is not an online handle.
var ErrHandle = errors.New("present: not an online QR handle")

// FormatHandle returns the QR text of a raw handle.
func FormatHandle(raw []byte) string { return HandlePrefix + handleEnc.EncodeToString(raw) }

// ParseHandle returns the raw handle an online QR payload holds. White
// space around it is ignored and letters may be in any case; anything else
// (another prefix, a character outside base32, a handle of another length,
// more than 64 bytes) is ErrHandle.
func ParseHandle(payload string) ([]byte, error) {
	if len(payload) > maxHandlePayload {
		return nil, fmt.Errorf("%w: %d bytes", ErrHandle, len(payload))
	}
	p := strings.TrimSpace(payload)
	if len(p) < len(HandlePrefix) || !strings.EqualFold(p[:len(HandlePrefix)], HandlePrefix) {
		return nil, fmt.Errorf("%w: no %s prefix", ErrHandle, HandlePrefix)
	}
	body := strings.ToUpper(p[len(HandlePrefix):])
	if handleEnc.DecodedLen(len(body)) != handleBytes || handleEnc.EncodedLen(handleBytes) != len(body) {
		return nil, fmt.Errorf("%w: %d characters", ErrHandle, len(body))
	}
	raw, err := handleEnc.DecodeString(body)
	if err != nil || len(raw) != handleBytes {
		return nil, fmt.Errorf("%w: not base32", ErrHandle)
	}
	if FormatHandle(raw) != HandlePrefix+body { // non-canonical trailing bits
		return nil, fmt.Errorf("%w: not canonical", ErrHandle)
	}
	return raw, nil
}

// IsHandle reports whether payload looks like an online handle (its
// prefix), so a scanner can tell the two modes apart.
func IsHandle(payload string) bool {
	p := strings.TrimSpace(payload)
	return len(p) >= len(HandlePrefix) && strings.EqualFold(p[:len(HandlePrefix)], HandlePrefix)
}

// Presentation is a freshly minted online QR code.
type Presentation struct {
	Payload   string
	Purpose   string
	ExpiresAt time.Time
	TTL       time.Duration
}

// Overview is what the citizen's Show ID page needs: whether they may have
// a digital ID, why not, and the purposes they can prove now.
type Overview struct {
	Eligible bool
	Reasons  []Reason
	Purposes []Purpose
}

// Overview returns the citizen's eligibility and available purposes.
func (s *Service) Overview(ctx context.Context, citizenID string) (Overview, error) {
	el, err := s.cfg.Credentials.Eligibility(ctx, citizenID)
	if err != nil {
		return Overview{}, fmt.Errorf("present: eligibility: %w", err)
	}
	o := Overview{Eligible: el.Eligible, Reasons: el.Reasons, Purposes: []Purpose{}}
	if !el.Eligible {
		return o, nil
	}
	atts, err := s.cfg.Credentials.Attestations(ctx, citizenID)
	if err != nil {
		return Overview{}, fmt.Errorf("present: attestations: %w", err)
	}
	now := s.cfg.Clock()
	for _, p := range Purposes() {
		if _, ok := live(atts, p.Name, now); ok {
			o.Purposes = append(o.Purposes, p)
		}
	}
	return o, nil
}

// Portrait returns the citizen's portrait (from the confirmed passport).
// Returns ENOTFOUND if there is none.
func (s *Service) Portrait(ctx context.Context, citizenID string) ([]byte, string, error) {
	return s.cfg.Credentials.Portrait(ctx, citizenID)
}

// Mint makes a new online QR code for purpose, shown by the citizen of the
// session on its device: EINVALID for an unknown purpose, EFORBIDDEN when
// the device is blocked, the citizen is not eligible or holds no live
// attestation for the purpose.
func (s *Service) Mint(ctx context.Context, sess account.Session, purpose string) (Presentation, error) {
	now := s.cfg.Clock().UTC()
	if _, ok := LookupPurpose(purpose); !ok {
		return Presentation{}, &digitalid.Error{Code: digitalid.EINVALID, Key: "present.error.unknown_purpose", Message: "Unknown purpose.",
			Fields: []digitalid.FieldError{{Field: "purpose", Code: "unknown", Message: "Choose one of: " + strings.Join(PurposeNames(), ", ") + "."}}}
	}
	d, err := s.cfg.Accounts.Device(ctx, sess.DeviceID)
	if err != nil {
		return Presentation{}, fmt.Errorf("present: device: %w", err)
	}
	if d.Blocked() {
		return Presentation{}, forbidden("present.error.device_blocked", "This device is blocked.")
	}
	el, err := s.cfg.Credentials.Eligibility(ctx, sess.CitizenID)
	if err != nil {
		return Presentation{}, fmt.Errorf("present: eligibility: %w", err)
	}
	if !el.Eligible {
		return Presentation{}, forbidden("present.error.not_eligible", "You cannot have a digital ID yet.")
	}
	atts, err := s.cfg.Credentials.Attestations(ctx, sess.CitizenID)
	if err != nil {
		return Presentation{}, fmt.Errorf("present: attestations: %w", err)
	}
	if _, ok := live(atts, purpose, now); !ok {
		return Presentation{}, forbidden("present.error.purpose_unavailable", "You have no confirmed document that proves this.")
	}
	raw := randomBytes(handleBytes)
	h := Handle{Hash: sha(raw), ID: randomID(15), CitizenID: sess.CitizenID, SessionID: sess.ID, DeviceID: sess.DeviceID,
		Purpose: purpose, CreatedAt: now, ExpiresAt: now.Add(s.cfg.TTL)}
	if err := s.cfg.Store.CreateHandle(ctx, h); err != nil {
		return Presentation{}, fmt.Errorf("present: store handle: %w", err)
	}
	return Presentation{Payload: FormatHandle(raw), Purpose: purpose, ExpiresAt: h.ExpiresAt, TTL: s.cfg.TTL}, nil
}

// live returns the attestation of type typ that is valid at now.
func live(atts []Attestation, typ string, now time.Time) (Attestation, bool) {
	for _, a := range atts {
		if a.Type == typ && (a.ValidUntil.IsZero() || a.ValidUntil.After(now)) {
			return a, true
		}
	}
	return Attestation{}, false
}

func forbidden(key, msg string) error {
	return &digitalid.Error{Code: digitalid.EFORBIDDEN, Key: key, Message: msg}
}
