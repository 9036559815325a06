package present

import (
	"context"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
)

// ActionPortraitRead is the audit action of a verifier reading the portrait
// of an online check through its portrait link, in the citizen's chain: the
// verifier, the purpose and which read it was, never the photo.
const ActionPortraitRead = "presentation.portrait_read"

// Portrait links. A valid online check answers with a link to the
// citizen's portrait rather than the photo (a passport photo is ~70 KB and
// most screens never show it): a random token of PortraitTokenBytes, kept
// only as its SHA-256, bound to the verifier that made the check, valid
// PortraitTTL and good for PortraitReads reads (a scanner that redraws or
// retries once or twice still works; a link that leaked is soon spent).
const (
	PortraitTTL        = 2 * time.Minute
	PortraitReads      = 3
	PortraitTokenBytes = 20 // 160 random bits: 32 lower-case base32 characters
)

// PortraitGrant is the stored side of a portrait link.
type PortraitGrant struct {
	Hash       []byte // SHA-256 of the token
	HandleID   string // the check, for the audit log
	CitizenID  string
	VerifierID string
	Purpose    string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	Reads      int // reads so far, this one included when returned by ReadPortraitGrant
}

// PortraitStore keeps portrait links; store.DB implements it.
type PortraitStore interface {
	// CreatePortraitGrant stores a link under the hash of its token.
	// Returns ENOTFOUND if the citizen does not exist.
	CreatePortraitGrant(ctx context.Context, g PortraitGrant) error
	// ReadPortraitGrant counts one read of the link whose hash is hash, if
	// it belongs to verifierID, expires after now and was read fewer than
	// maxReads times, in one conditional write (of concurrent reads at
	// most maxReads in all succeed), and returns it. Returns ENOTFOUND
	// otherwise, whichever the reason.
	ReadPortraitGrant(ctx context.Context, hash []byte, verifierID string, now time.Time, maxReads int) (PortraitGrant, error)
	// PurgePortraitGrants deletes links that expired before before.
	PurgePortraitGrants(ctx context.Context, before time.Time) (int64, error)
}

// errNoPortrait is the one answer to every portrait link that does not
// give a photo: unknown, malformed, expired, spent, another verifier's, or
// the citizen has no photo from a confirmed passport.
func errNoPortrait() error {
	return &digitalid.Error{Code: digitalid.ENOTFOUND, Key: "present.error.portrait_gone",
		Message: "There is no photo to show: the link is unknown, expired or used up, or the passport has no photo."}
}

// grantPortrait stores a portrait link for a valid online check of h by v
// and returns its token.
func (s *Service) grantPortrait(ctx context.Context, v Verifier, h Handle, now time.Time) (string, error) {
	raw := randomBytes(PortraitTokenBytes)
	token := lowerBase32.EncodeToString(raw)
	g := PortraitGrant{Hash: sha([]byte(token)), HandleID: h.ID, CitizenID: h.CitizenID, VerifierID: v.ID, Purpose: h.Purpose,
		CreatedAt: now, ExpiresAt: now.Add(PortraitTTL)}
	if err := s.cfg.Store.CreatePortraitGrant(ctx, g); err != nil {
		return "", fmt.Errorf("present: portrait link: %w", err)
	}
	return token, nil
}

// validPortraitToken reports whether token has the form of a portrait
// token (it is never looked up otherwise).
func validPortraitToken(token string) bool {
	if len(token) != lowerBase32.EncodedLen(PortraitTokenBytes) {
		return false
	}
	raw, err := lowerBase32.DecodeString(token)
	return err == nil && len(raw) == PortraitTokenBytes && lowerBase32.EncodeToString(raw) == token
}

// VerifierPortrait returns the portrait behind a portrait link for
// verifier v, counting one read, and audits the read in the citizen's
// chain. Every failure to give a photo is the same ENOTFOUND.
func (s *Service) VerifierPortrait(ctx context.Context, v Verifier, token string, c Client) ([]byte, string, error) {
	if !validPortraitToken(token) {
		return nil, "", errNoPortrait()
	}
	now := s.cfg.Clock().UTC()
	g, err := s.cfg.Store.ReadPortraitGrant(ctx, sha([]byte(token)), v.ID, now, PortraitReads)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return nil, "", errNoPortrait()
	}
	if err != nil {
		return nil, "", fmt.Errorf("present: portrait link: %w", err)
	}
	// A link minted just before the account was deleted shows nothing.
	cit, err := s.cfg.Accounts.Citizen(ctx, g.CitizenID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND || err == nil && cit.Status != account.StatusActive {
		return nil, "", errNoPortrait()
	}
	if err != nil {
		return nil, "", fmt.Errorf("present: citizen: %w", err)
	}
	img, ctype, err := s.cfg.Credentials.Portrait(ctx, g.CitizenID)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return nil, "", errNoPortrait()
	}
	if err != nil {
		return nil, "", fmt.Errorf("present: portrait: %w", err)
	}
	_, err = s.cfg.Audit.Append(ctx, audit.Event{Chain: g.CitizenID, Actor: audit.Actor{Type: audit.ActorVerifier, ID: v.ID},
		Action: ActionPortraitRead, Object: "presentation:" + g.HandleID, Result: audit.Success, IP: c.IP, RequestID: c.RequestID,
		Details: map[string]string{"purpose": g.Purpose, "verifier": v.ID, "read": fmt.Sprint(g.Reads)}})
	if err != nil {
		return nil, "", fmt.Errorf("present: audit: %w", err)
	}
	return img, ctype, nil
}
