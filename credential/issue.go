package credential

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/credential/statuslist"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/sdjwt"
	"github.com/go-jose/go-jose/v4"
)

// VCT returns the vct of an attestation type: the type itself
// ("age_over_18"), a StringOrURI as SD-JWT VC requires. Within the
// platform's iss it names the type unambiguously, and every character
// counts in an offline QR code: a URN or URL would cost 20 to 40 of the
// 1,000 the age_over_18 presentation may take.
func VCT(t string) string { return t }

// maxJitter bounds how far iat is moved back, and exp forward of its
// bound, at random for each credential, so that two credentials of one batch
// (or of one citizen) share no time value a verifier could link them by.
const maxJitter = time.Hour

// Batch is what one issuance returns: compact SD-JWT VC credentials, each
// ending in "~" and holding every Disclosure of its type, in the order of
// the holder keys; ExpiresAt is the earliest exp among them, when the
// wallet should fetch a new batch at the latest.
type Batch struct {
	Credentials []string
	ExpiresAt   time.Time
}

// Issue issues a batch of single-use credentials of type t to the citizen's
// device, one per holder key (cnf.jwk), after checking that the device is
// the citizen's and not blocked, that the citizen is eligible, and that a
// confirmed document supports t now. Each credential has fresh salts, its
// own random status list index, iat and exp moved by random amounts, no kid,
// sub or jti, so no value in two presentations links them. The issuance is
// audited (type and count, no values); for each index the store keeps the
// citizen, device, source document and type, never the credential.
//
// Errors: EINVALID for an unknown type or bad holder keys (see
// ParseHolderKeys); EFORBIDDEN (key credential.error.not_eligible) for a
// citizen not eligible, (credential.error.device_blocked) for a blocked or
// foreign device; ENOTFOUND (credential.error.no_source) when no confirmed
// document supports t; ERATELIMITED (credential.error.too_many) when the
// device would hold more than MaxLive live credentials of t.
func (s *Service) Issue(ctx context.Context, citizenID, deviceID, t string, holderKeys []*ecdsa.PublicKey) (Batch, error) {
	if !KnownType(t) {
		return Batch{}, errUnknownType(t)
	}
	if len(holderKeys) == 0 || len(holderKeys) > MaxBatch {
		return Batch{}, holderKeyError(fmt.Sprintf("Send between 1 and %d holder keys.", MaxBatch), nil)
	}
	dev, err := s.devices.Device(ctx, deviceID)
	if err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		return Batch{}, fmt.Errorf("credential: device %s: %w", deviceID, err)
	}
	if err != nil || dev.CitizenID != citizenID || dev.Blocked() {
		return Batch{}, &digitalid.Error{Code: digitalid.EFORBIDDEN, Key: "credential.error.device_blocked",
			Message: "This device is blocked or unknown; sign in on a device of yours."}
	}
	el, docs, err := s.eligibility(ctx, citizenID)
	if err != nil {
		return Batch{}, err
	}
	if !el.Eligible {
		return Batch{}, &digitalid.Error{Code: digitalid.EFORBIDDEN, Key: "credential.error.not_eligible",
			Message: "You cannot have a digital ID yet: " + el.Reasons[0].Message}
	}
	now := s.now()
	att, err := attestationOf(derive(s.reg, docs, now), t)
	if err != nil {
		return Batch{}, err
	}
	signer, err := s.keys.Signer(ctx, keys.ES256)
	if err != nil {
		return Batch{}, fmt.Errorf("credential: signing key: %w", err)
	}
	end := now.Add(s.lifetime)
	if !att.ValidUntil.IsZero() && att.ValidUntil.Before(end) {
		end = att.ValidUntil
	}
	if !end.After(now.Add(time.Minute)) {
		return Batch{}, &digitalid.Error{Code: digitalid.ECONFLICT, Key: "credential.error.changing",
			Message: "This attestation changes in a minute; try again then."}
	}
	live, err := s.store.CountLive(ctx, deviceID, t, now)
	if err != nil {
		return Batch{}, fmt.Errorf("credential: count live: %w", err)
	}
	if live+len(holderKeys) > MaxLive {
		return Batch{}, &digitalid.Error{Code: digitalid.ERATELIMITED, Key: "credential.error.too_many",
			Message: fmt.Sprintf("This device was issued %d credentials of this type lately; use them first.", live)}
	}
	entries := make([]StatusEntry, len(holderKeys))
	for i := range entries {
		exp := end.Add(-randDuration(min(maxJitter, end.Sub(now)/2))).Truncate(time.Second)
		entries[i] = StatusEntry{CitizenID: citizenID, DeviceID: deviceID, SourceDocID: att.SourceDocID, Type: t,
			IssuedAt: now.Add(-randDuration(maxJitter)).Truncate(time.Second), ExpiresAt: exp, ValidUntil: att.ValidUntil}
	}
	if entries, err = s.allocate(ctx, entries, now); err != nil {
		return Batch{}, err
	}
	b := Batch{Credentials: make([]string, len(entries))}
	for i, e := range entries {
		c, err := s.credential(att, e, holderKeys[i], signer)
		if err != nil {
			return Batch{}, err
		}
		b.Credentials[i] = c
		if b.ExpiresAt.IsZero() || e.ExpiresAt.Before(b.ExpiresAt) {
			b.ExpiresAt = e.ExpiresAt
		}
	}
	s.log.InfoContext(ctx, "credentials issued", "citizen", citizenID, "device", deviceID, "type", t, "count", len(entries))
	err = s.record(ctx, audit.Event{Chain: citizenID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: citizenID},
		Action: "credential.issued", Object: "device:" + deviceID, Result: audit.Success,
		Details: map[string]string{"type": t, "count": strconv.Itoa(len(entries))}})
	if err != nil {
		return Batch{}, err
	}
	return b, nil
}

// credential signs one SD-JWT VC.
func (s *Service) credential(att Attestation, e StatusEntry, holder *ecdsa.PublicKey, signer keys.Signer) (string, error) {
	claims := map[string]any{
		"iss":    s.issuer,
		"vct":    VCT(att.Type),
		"iat":    e.IssuedAt.Unix(),
		"exp":    e.ExpiresAt.Unix(),
		"status": statuslist.Reference{Idx: e.Idx, URI: s.StatusURI(e.ListID)}.Claim(),
	}
	var disclosable []sdjwt.Path
	for _, name := range ClaimNames(att.Type) {
		claims[name] = att.Claims[name]
		disclosable = append(disclosable, sdjwt.Path{name})
	}
	sd, err := sdjwt.Issue(claims, disclosable, sdjwt.IssueOptions{
		Signer: signer, Alg: jose.SignatureAlgorithm(signer.Alg()), HolderKey: &jose.JSONWebKey{Key: holder},
	})
	if err != nil {
		return "", fmt.Errorf("credential: issue %s: %w", att.Type, err)
	}
	return sd.String(), nil
}

// StatusURI is where status list id is published.
func (s *Service) StatusURI(id int64) string {
	return s.issuer + "/status/" + strconv.FormatInt(id, 10)
}

// allocateRounds bounds the redraws of taken indexes in one list: with a
// list at most half full, 16 rounds all failing has odds of 1 in 65,536 per
// entry; the entries still without an index then go to a new list.
const allocateRounds = 16

// allocate gives each entry a random free index of the current status
// list, starting a new list when it would be more than half full (random
// draws stay cheap, and every list keeps a crowd of entries).
func (s *Service) allocate(ctx context.Context, entries []StatusEntry, now time.Time) ([]StatusEntry, error) {
	pending := make([]int, len(entries))
	for i := range pending {
		pending[i] = i
	}
	for attempt := 0; attempt < 2 && len(pending) > 0; attempt++ {
		l, err := s.currentList(ctx, len(pending), now, attempt > 0)
		if err != nil {
			return nil, err
		}
		for round := 0; round < allocateRounds && len(pending) > 0; round++ {
			batch := make([]StatusEntry, len(pending))
			for j, i := range pending {
				entries[i].ListID, entries[i].Idx = l.ID, randIndex(l.Size)
				batch[j] = entries[i]
			}
			taken, err := s.store.InsertStatusEntries(ctx, batch)
			if err != nil {
				return nil, fmt.Errorf("credential: allocate status: %w", err)
			}
			var next []int
			for j, i := range pending {
				if taken[j] {
					next = append(next, i)
				}
			}
			pending = next
		}
	}
	if len(pending) > 0 {
		return nil, digitalid.Errorf(digitalid.EUNAVAILABLE, "credential: no free status index; try again")
	}
	return entries, nil
}

// currentList returns the newest list if n more entries keep it at most
// half full (and fresh is false), else makes the next one (or takes the one
// another instance has just made).
func (s *Service) currentList(ctx context.Context, n int, now time.Time, fresh bool) (StatusList, error) {
	var seen int64 = -1
	for attempt := 0; attempt < 3; attempt++ {
		l, err := s.store.LatestStatusList(ctx)
		switch {
		case err == nil && l.Allocated+n <= l.Size/2 && (!fresh || (seen >= 0 && l.ID > seen)):
			return l, nil
		case err != nil && digitalid.ErrorCode(err) != digitalid.ENOTFOUND:
			return StatusList{}, fmt.Errorf("credential: status list: %w", err)
		}
		if seen < 0 {
			seen = l.ID
		}
		next := StatusList{ID: l.ID + 1, Bits: 1, Size: s.listSize, CreatedAt: now, UpdatedAt: now}
		err = s.store.CreateStatusList(ctx, next)
		if err == nil {
			s.log.InfoContext(ctx, "status list created", "list", next.ID, "size", next.Size)
			return next, nil
		}
		if digitalid.ErrorCode(err) != digitalid.ECONFLICT {
			return StatusList{}, fmt.Errorf("credential: create status list: %w", err)
		}
	}
	return StatusList{}, digitalid.Errorf(digitalid.EUNAVAILABLE, "credential: status lists are being created; try again")
}

func randIndex(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return int(v.Int64())
}

// randDuration returns a random whole number of seconds in [0, d).
func randDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return 0
	}
	return time.Duration(randIndex(int(d/time.Second))) * time.Second
}

// ParseHolderKeys reads the holder keys of an issuance request: each a
// public P-256 JWK (kty EC, crv P-256, x, y on the curve), no private part,
// no two alike; between 1 and MaxBatch of them. Any other member (kid, alg,
// use) is dropped, so nothing the wallet adds can link its credentials.
// Returns EINVALID with a field error "holder_keys[i]" per bad key.
func ParseHolderKeys(raw []json.RawMessage) ([]*ecdsa.PublicKey, error) {
	if len(raw) == 0 || len(raw) > MaxBatch {
		return nil, holderKeyError(fmt.Sprintf("Send between 1 and %d holder keys.", MaxBatch), nil)
	}
	var fields []digitalid.FieldError
	bad := func(i int, msg string) {
		fields = append(fields, digitalid.FieldError{Field: fmt.Sprintf("holder_keys[%d]", i), Code: "invalid",
			Key: "credential.error.holder_key", Message: msg})
	}
	out := make([]*ecdsa.PublicKey, 0, len(raw))
	seen := map[string]bool{}
	for i, r := range raw {
		if len(r) > 1024 {
			bad(i, "The key is too long.")
			continue
		}
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(r); err != nil {
			bad(i, "Not a JSON Web Key.")
			continue
		}
		pub, ok := jwk.Key.(*ecdsa.PublicKey)
		if !ok || pub.Curve != elliptic.P256() {
			bad(i, "Send a public P-256 (EC) key.")
			continue
		}
		if !jwk.Valid() {
			bad(i, "The key is not a valid P-256 point.")
			continue
		}
		enc, err := pub.Bytes()
		if err != nil {
			bad(i, "The key is not a valid P-256 point.")
			continue
		}
		if seen[string(enc)] {
			bad(i, "Each credential needs its own key.")
			continue
		}
		seen[string(enc)] = true
		out = append(out, pub)
	}
	if len(fields) > 0 {
		return nil, holderKeyError("Some holder keys are not usable.", fields)
	}
	return out, nil
}

func holderKeyError(msg string, fields []digitalid.FieldError) error {
	if fields == nil {
		fields = []digitalid.FieldError{{Field: "holder_keys", Code: "count", Key: "credential.error.holder_keys", Message: msg}}
	}
	return &digitalid.Error{Code: digitalid.EINVALID, Key: "credential.error.holder_keys", Message: msg, Fields: fields}
}
