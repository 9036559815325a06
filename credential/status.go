package credential

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/credential/statuslist"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/vault"
	"github.com/go-jose/go-jose/v4"
)

// StatusTokenLifetime is the exp of a Status List Token after its iat: how
// long a verifier that cannot reach the platform may still use a copy.
const StatusTokenLifetime = 24 * time.Hour

// MediaTypeStatusList is the media type of a Status List Token.
const MediaTypeStatusList = "application/statuslist+jwt"

// StatusToken is a signed Status List Token as served at /status/{list}.
type StatusToken struct {
	Token    string
	ETag     string        // a strong ETag of Token, quoted
	TTL      time.Duration // its ttl claim: Cache-Control max-age
	IssuedAt time.Time
}

// publishedList is the signed token of one list, kept in memory until the
// list's revision moves (a revocation, on any instance) or it is older
// than half its ttl (so a copy served is never older than its ttl says).
type publishedList struct {
	mu       sync.Mutex
	revision int64
	token    StatusToken
}

// StatusToken returns the current Status List Token of list id, signing a
// new one when the list changed since the last: every GET reads the list's
// revision, so a revocation made by any instance is served at once.
// Returns ENOTFOUND for an unknown list.
func (s *Service) StatusToken(ctx context.Context, id int64) (StatusToken, error) {
	l, err := s.store.StatusList(ctx, id)
	if err != nil {
		return StatusToken{}, fmt.Errorf("credential: status list %d: %w", id, err)
	}
	v, _ := s.published.LoadOrStore(id, &publishedList{revision: -1})
	p := v.(*publishedList)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := s.now()
	if p.revision == l.Revision && now.Sub(p.token.IssuedAt) < s.ttl/2 && !now.Before(p.token.IssuedAt) {
		return p.token, nil
	}
	tok, err := s.signStatus(ctx, l, now)
	if err != nil {
		return StatusToken{}, err
	}
	p.revision, p.token = l.Revision, tok
	return tok, nil
}

// signStatus builds list l's bits from its revoked entries and signs them.
func (s *Service) signStatus(ctx context.Context, l StatusList, now time.Time) (StatusToken, error) {
	idx, err := s.store.RevokedIndexes(ctx, l.ID)
	if err != nil {
		return StatusToken{}, fmt.Errorf("credential: status list %d: %w", l.ID, err)
	}
	list, err := statuslist.New(l.Bits, l.Size)
	if err != nil {
		return StatusToken{}, fmt.Errorf("credential: status list %d: %w", l.ID, err)
	}
	for _, i := range idx {
		if err := list.Set(i, statuslist.Invalid); err != nil {
			return StatusToken{}, fmt.Errorf("credential: status list %d: %w", l.ID, err)
		}
	}
	signer, err := s.keys.Signer(ctx, keys.ES256)
	if err != nil {
		return StatusToken{}, fmt.Errorf("credential: signing key: %w", err)
	}
	iat := now.Truncate(time.Second)
	tok, err := statuslist.SignToken(list, s.StatusURI(l.ID), iat, iat.Add(StatusTokenLifetime), s.ttl, signer,
		jose.SignatureAlgorithm(signer.Alg()), signer.KeyID())
	if err != nil {
		return StatusToken{}, fmt.Errorf("credential: sign status list %d: %w", l.ID, err)
	}
	sum := sha256.Sum256([]byte(tok))
	return StatusToken{Token: tok, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`, TTL: s.ttl, IssuedAt: iat}, nil
}

// ParseListID reads the {list} of /status/{list}: a positive decimal
// without sign or leading zero. Returns ENOTFOUND for anything else.
func ParseListID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, digitalid.Errorf(digitalid.ENOTFOUND, "No such status list.")
	}
	return id, nil
}

// RevokeForDocument revokes every credential derived from the citizen's
// document docID, and returns how many. The vault's Notifier calls it
// (through DocumentChanged) when an issuer changes or revokes a document; a
// wallet then fetches a new batch, which Issue refuses while no confirmed
// document supports the type.
func (s *Service) RevokeForDocument(ctx context.Context, citizenID, docID string) (int64, error) {
	return s.revoke(ctx, RevokeFilter{CitizenID: citizenID, SourceDocID: docID}, "document:"+docID, "document")
}

// RevokeForDevice revokes every credential issued to the citizen's device,
// and returns how many: call it when the device is blocked.
func (s *Service) RevokeForDevice(ctx context.Context, citizenID, deviceID string) (int64, error) {
	return s.revoke(ctx, RevokeFilter{CitizenID: citizenID, DeviceID: deviceID}, "device:"+deviceID, "device_blocked")
}

// RevokeForCitizen revokes every credential of the citizen (an account
// deleted or shredded), and returns how many.
func (s *Service) RevokeForCitizen(ctx context.Context, citizenID string) (int64, error) {
	return s.revoke(ctx, RevokeFilter{CitizenID: citizenID}, "citizen:"+citizenID, "citizen")
}

// RevokeExpired revokes the credentials whose attestation has stopped
// being true — the source document expired, a birthday changed an age or a
// child's age — and returns how many. Their exp already ends them; this
// also marks them in the status list. Run it periodically (any instance,
// any time: it is idempotent).
func (s *Service) RevokeExpired(ctx context.Context) (int64, error) {
	now := s.now()
	n, err := s.store.RevokeStatusEntries(ctx, RevokeFilter{ValidBefore: now}, now)
	if err != nil {
		return 0, fmt.Errorf("credential: revoke expired: %w", err)
	}
	if n > 0 {
		s.log.InfoContext(ctx, "expired credentials revoked", "count", n)
	}
	return n, nil
}

// RevokeBlocked revokes the credentials of blocked devices and of deleted
// accounts that were not revoked yet, and returns how many. RevokeForDevice
// called where the device is blocked is immediate; this sweep, run every
// minute, catches every other path.
func (s *Service) RevokeBlocked(ctx context.Context) (int64, error) {
	n, err := s.store.RevokeBlocked(ctx, s.now())
	if err != nil {
		return 0, fmt.Errorf("credential: revoke blocked: %w", err)
	}
	if n > 0 {
		s.log.InfoContext(ctx, "credentials of blocked devices revoked", "count", n)
	}
	return n, nil
}

func (s *Service) revoke(ctx context.Context, f RevokeFilter, object, reason string) (int64, error) {
	now := s.now()
	n, err := s.store.RevokeStatusEntries(ctx, f, now)
	if err != nil {
		return 0, fmt.Errorf("credential: revoke for %s: %w", object, err)
	}
	if n == 0 {
		return 0, nil
	}
	s.log.InfoContext(ctx, "credentials revoked", "citizen", f.CitizenID, "object", object, "count", n)
	return n, s.record(ctx, audit.Event{Chain: f.CitizenID, Actor: audit.Actor{Type: audit.ActorSystem},
		Action: "credential.revoked", Object: object, Result: audit.Success,
		Details: map[string]string{"reason": reason, "count": strconv.FormatInt(n, 10)}})
}

// DocumentChanged implements vault.Notifier: a changed or revoked document
// revokes the credentials derived from it (their claims may no longer hold);
// an added one changes nothing issued. Chain it after the citizen's inbox
// notifier with Notifiers.
func (s *Service) DocumentChanged(ctx context.Context, citizenID, docID, kind string) error {
	if kind != vault.NotifyChanged && kind != vault.NotifyRevoked {
		return nil
	}
	_, err := s.RevokeForDocument(ctx, citizenID, docID)
	return err
}

// Notifiers is a vault.Notifier that tells each of its members in turn and
// joins their errors; nil members are skipped.
type Notifiers []vault.Notifier

// DocumentChanged implements vault.Notifier.
func (ns Notifiers) DocumentChanged(ctx context.Context, citizenID, docID, kind string) error {
	var first error
	for _, n := range ns {
		if n == nil {
			continue
		}
		if err := n.DocumentChanged(ctx, citizenID, docID, kind); err != nil && first == nil {
			first = err
		}
	}
	return first
}
