package recovery

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
)

// handlePrefix marks a recovery handle, a bearer secret of the recovering
// browser: the prefix and 256 random bits in unpadded base64url.
const (
	handlePrefix = "drh_"
	handleLen    = 4 + 43
)

// StartRequest starts a recovery.
type StartRequest struct {
	Proof     string // of OTPs.Verify(phone, account.PurposeRecovery, code)
	Reason    string // ReasonPIN or ReasonDevices
	Client    account.Client
	UserAgent string // for the approximate origin the contact sees
}

// Start opens a recovery request for the citizen whose number the proof
// proves, asks their active trusted contacts (cabinet and SMS) and tells
// the citizen. It returns the handle the recovering browser keeps.
//
// Returns EINVALID for a bad reason; the errors of OTPs.UseProof;
// EFORBIDDEN (recovery.no_contacts) when the account has no active trusted
// contact; ECONFLICT (recovery.request_open) while another request is open.
func (s *Service) Start(ctx context.Context, req StartRequest) (Started, error) {
	if req.Reason != ReasonPIN && req.Reason != ReasonDevices {
		return Started{}, fieldError("reason", "recovery.reason", "Say what you are recovering: a forgotten PIN or lost devices.")
	}
	phone, err := s.acc.OTPs.UseProof(ctx, req.Proof, account.PurposeRecovery)
	if err != nil {
		return Started{}, err
	}
	c, err := s.acc.Citizens.ByPhone(ctx, phone)
	if err != nil || c.Status != account.StatusActive {
		return Started{}, userError(digitalid.EFORBIDDEN, "recovery.unavailable", "This account cannot be recovered here.")
	}
	contacts, err := s.activeRelationships(ctx, c.ID)
	if err != nil {
		return Started{}, err
	}
	if len(contacts) == 0 {
		return Started{}, userError(digitalid.EFORBIDDEN, "recovery.no_contacts",
			"Your account has no active trusted contact, so it cannot be recovered this way.")
	}
	now := s.now()
	handle, hash := newHandle()
	rec := RequestRecord{ID: account.NewID("r_"), CitizenID: c.ID, HandleHash: hash, Reason: req.Reason,
		Status: RequestOpen, CreatedAt: now, ExpiresAt: now.Add(RequestTTL)}
	origin, _ := json.Marshal(Origin{Network: approxNetwork(req.Client.IP), Browser: browserOf(req.UserAgent)})
	rec.OriginSealed = s.seal(string(origin), originAAD(rec.ID))
	err = s.store.CreateRecoveryRequest(ctx, rec, now)
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		s.record(ctx, c.ID, c.ID, "recovery.requested", "citizen:"+c.ID, audit.Denied, req.Client, map[string]string{"reason": "open"})
		return Started{}, userError(digitalid.ECONFLICT, "recovery.request_open",
			"A recovery request is already open; wait until it is decided or expires (24 hours).")
	}
	if err != nil {
		return Started{}, wrapErr("create request", err)
	}
	s.record(ctx, c.ID, c.ID, "recovery.requested", "recovery:"+rec.ID, audit.Success, req.Client, map[string]string{"reason": req.Reason})
	s.notify(ctx, c.ID, KindRecoveryRequested, textRequested, nil)
	for _, r := range contacts {
		s.notify(ctx, r.ContactID, KindRecoveryAsked, textApprovalAsked, map[string]string{"phone": c.Phone})
	}
	return Started{ID: rec.ID, Handle: handle, ExpiresAt: rec.ExpiresAt}, nil
}

// Status returns the request id as its recovering browser (holding handle)
// sees it. Returns ENOTFOUND (recovery.not_found) unless handle is id's.
func (s *Service) Status(ctx context.Context, id, handle string) (Request, error) {
	rec, err := s.byHandle(ctx, id, handle)
	if err != nil {
		return Request{}, err
	}
	return Request{ID: rec.ID, Status: effective(rec, s.now()), Reason: rec.Reason, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt}, nil
}

// Cancel withdraws an open or approved request (from its browser).
func (s *Service) Cancel(ctx context.Context, id, handle string, cl account.Client) error {
	rec, err := s.byHandle(ctx, id, handle)
	if err != nil {
		return err
	}
	if err := s.store.CancelRecoveryRequest(ctx, rec.ID, s.now()); err != nil {
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return closed()
		}
		return wrapErr("cancel", err)
	}
	s.record(ctx, rec.CitizenID, rec.CitizenID, "recovery.cancelled", "recovery:"+rec.ID, audit.Success, cl, map[string]string{"reason": "citizen"})
	s.notify(ctx, rec.CitizenID, KindRecoveryCancelled, textCancelled, nil)
	return nil
}

// Approvals returns the open requests the contact may decide, newest first.
func (s *Service) Approvals(ctx context.Context, contactID string) ([]Approval, error) {
	list, err := s.store.PendingRecoveryApprovals(ctx, contactID, s.now())
	if err != nil {
		return nil, wrapErr("list approvals", err)
	}
	out := make([]Approval, 0, len(list))
	for _, p := range list {
		c, err := s.acc.Citizens.Get(ctx, p.Request.CitizenID)
		if err != nil || c.Status != account.StatusActive {
			continue
		}
		a := Approval{ID: p.Request.ID, RelationshipID: p.RelationshipID, Phone: c.Phone, Reason: p.Request.Reason,
			CreatedAt: p.Request.CreatedAt, ExpiresAt: p.Request.ExpiresAt}
		if o, err := s.open(p.Request.OriginSealed, originAAD(p.Request.ID)); err == nil {
			_ = json.Unmarshal([]byte(o), &a.Origin)
		}
		out = append(out, a)
	}
	return out, nil
}

// Approval returns one request the contact may decide. Returns ENOTFOUND
// (recovery.approval_not_found) for any other id: someone else's, decided,
// expired, or one whose citizen the reader is no longer the contact of.
func (s *Service) Approval(ctx context.Context, contactID, id string) (Approval, error) {
	list, err := s.Approvals(ctx, contactID)
	if err != nil {
		return Approval{}, err
	}
	for _, a := range list {
		if a.ID == id {
			return a, nil
		}
	}
	return Approval{}, approvalNotFound()
}

// SendApprovalCode texts a one-time code to the contact's own phone for
// approving request id. The contact must still be an adult with a
// confirmed account. Returns the code's expiry; ENOTFOUND as Approval;
// ERATELIMITED (recovery.code.too_many) after MaxCodesSent codes.
func (s *Service) SendApprovalCode(ctx context.Context, by account.Session, id string, cl account.Client) (time.Time, error) {
	a, err := s.Approval(ctx, by.CitizenID, id)
	if err != nil {
		return time.Time{}, err
	}
	me, err := s.acc.Citizens.Get(ctx, by.CitizenID)
	if err != nil {
		return time.Time{}, err
	}
	now := s.now()
	if !eligible(me, MinContactAge, now) {
		return time.Time{}, userError(digitalid.EFORBIDDEN, "recovery.contact_not_eligible",
			"A trusted contact must be 18 or older, with an account confirmed by an identity document.")
	}
	code := newCode()
	rec := CodeRecord{RequestID: id, ContactID: a.RelationshipID, CodeHash: s.codeHash(id, a.RelationshipID, code),
		CreatedAt: now, ExpiresAt: now.Add(CodeTTL)}
	stored, err := s.store.PutRecoveryCode(ctx, rec, MaxCodesSent)
	if err != nil {
		return time.Time{}, wrapErr("store code", err)
	}
	if !stored {
		return time.Time{}, &digitalid.Error{Code: digitalid.ERATELIMITED, Key: "recovery.code.too_many",
			Message: "Too many codes were sent for this request.", Err: &account.Limit{RetryAt: a.ExpiresAt, AttemptsLeft: 0}}
	}
	s.record(ctx, me.ID, me.ID, "recovery.code.sent", "recovery:"+id, audit.Success, cl, nil)
	if err := s.sendCode(ctx, me, code, a.Phone); err != nil {
		return time.Time{}, err
	}
	return rec.ExpiresAt, nil
}

// Approve approves request id with the code texted to the contact. The
// entry is counted before it is compared; concurrent approvals take effect
// once. Returns EINVALID for a code that is not 6 digits (not counted);
// EUNAUTHORIZED (recovery.code.wrong, Limit with AttemptsLeft) for a wrong,
// expired or used code; ELOCKED (recovery.code.locked) after
// MaxCodeFailures wrong entries; ENOTFOUND as Approval.
func (s *Service) Approve(ctx context.Context, by account.Session, id, code string, cl account.Client) error {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return fieldError("code", "account.otp.format", "The code is 6 digits.")
	}
	a, err := s.Approval(ctx, by.CitizenID, id)
	if err != nil {
		return err
	}
	now := s.now()
	rec, err := s.store.ReserveRecoveryCodeAttempt(ctx, id, a.RelationshipID, now, MaxCodeFailures)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return s.approveFailed(ctx, by, a, cl, userError(digitalid.ELOCKED, "recovery.code.locked",
			"The code has expired, was used or was entered wrong too often; ask for a new code."))
	}
	if err != nil {
		return wrapErr("count code entry", err)
	}
	if !equal(s.codeHash(id, a.RelationshipID, code), rec.CodeHash) {
		left := MaxCodeFailures - rec.Failures
		if left <= 0 {
			return s.approveFailed(ctx, by, a, cl, &digitalid.Error{Code: digitalid.ELOCKED, Key: "recovery.code.locked",
				Message: "The code was entered wrong too often; ask for a new code.", Err: &account.Limit{AttemptsLeft: 0}})
		}
		return s.approveFailed(ctx, by, a, cl, &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "recovery.code.wrong",
			Message: "The code is wrong or has expired.", Err: &account.Limit{AttemptsLeft: left}})
	}
	if err := s.store.ApproveRecoveryRequest(ctx, id, a.RelationshipID, now); err != nil {
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return approvalNotFound()
		}
		return wrapErr("approve", err)
	}
	req, err := s.store.RecoveryRequest(ctx, id)
	if err != nil {
		return wrapErr("approve", err)
	}
	s.record(ctx, req.CitizenID, by.CitizenID, "recovery.approved", "recovery:"+id, audit.Success, cl, map[string]string{"contact": a.RelationshipID})
	s.record(ctx, by.CitizenID, by.CitizenID, "recovery.approved", "recovery:"+id, audit.Success, cl, nil)
	s.notify(ctx, req.CitizenID, KindRecoveryApproved, textApproved, nil)
	return nil
}

func (s *Service) approveFailed(ctx context.Context, by account.Session, a Approval, cl account.Client, err error) error {
	r := audit.Failure
	if digitalid.ErrorCode(err) == digitalid.ELOCKED {
		r = audit.Denied
	}
	s.record(ctx, by.CitizenID, by.CitizenID, "recovery.approved", "recovery:"+a.ID, r, cl, nil)
	return err
}

// Reject rejects an open or approved request of a citizen whose active
// contact the caller is: it is cancelled and the citizen alerted. Returns
// ENOTFOUND (recovery.approval_not_found) otherwise.
func (s *Service) Reject(ctx context.Context, by account.Session, id string, cl account.Client) error {
	req, err := s.store.RecoveryRequest(ctx, id)
	if err != nil {
		return approvalNotFound()
	}
	rel, err := s.relationship(ctx, req.CitizenID, by.CitizenID)
	if err != nil {
		return err
	}
	if err := s.store.RejectRecoveryRequest(ctx, id, rel.ID, s.now()); err != nil {
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return approvalNotFound()
		}
		return wrapErr("reject", err)
	}
	s.record(ctx, req.CitizenID, by.CitizenID, "recovery.rejected", "recovery:"+id, audit.Success, cl, map[string]string{"contact": rel.ID})
	s.record(ctx, by.CitizenID, by.CitizenID, "recovery.rejected", "recovery:"+id, audit.Success, cl, nil)
	s.notify(ctx, req.CitizenID, KindRecoveryRejected, textRejected, nil)
	return nil
}

// relationship returns the active relationship in which contactID is the
// contact of citizenID, or ENOTFOUND (recovery.approval_not_found).
func (s *Service) relationship(ctx context.Context, citizenID, contactID string) (ContactRecord, error) {
	recs, err := s.store.TrustedContactsFor(ctx, contactID)
	if err != nil {
		return ContactRecord{}, wrapErr("list trusts", err)
	}
	for _, r := range recs {
		if r.CitizenID == citizenID && r.Status == StatusActive {
			return r, nil
		}
	}
	return ContactRecord{}, approvalNotFound()
}

// byHandle finds request id by the handle of its browser.
func (s *Service) byHandle(ctx context.Context, id, handle string) (RequestRecord, error) {
	hash, ok := parseHandle(handle)
	if !ok {
		return RequestRecord{}, requestNotFound()
	}
	rec, err := s.store.RecoveryRequestByHandle(ctx, hash)
	if err != nil || rec.ID != id {
		return RequestRecord{}, requestNotFound()
	}
	return rec, nil
}

// effective is rec's status at now: open and approved requests past their
// expiry are expired.
func effective(rec RequestRecord, now time.Time) RequestStatus {
	if (rec.Status == RequestOpen || rec.Status == RequestApproved) && !now.Before(rec.ExpiresAt) {
		return RequestExpired
	}
	return rec.Status
}

func newHandle() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	h := handlePrefix + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(h))
	return h, sum[:]
}

// parseHandle checks the shape of a handle and returns its hash.
func parseHandle(h string) ([]byte, bool) {
	if len(h) != handleLen || !strings.HasPrefix(h, handlePrefix) {
		return nil, false
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(h[len(handlePrefix):]); err != nil || len(b) != 32 {
		return nil, false
	}
	sum := sha256.Sum256([]byte(h))
	return sum[:], true
}

// approxNetwork keeps the first three bytes of an IPv4 address (the first
// three groups of IPv6): enough for "roughly where", not an address.
func approxNetwork(ip string) string {
	a := net.ParseIP(strings.TrimSpace(ip))
	if a == nil {
		return ""
	}
	if v4 := a.To4(); v4 != nil {
		return fmt.Sprintf("%d.%d.%d.x", v4[0], v4[1], v4[2])
	}
	parts := strings.SplitN(a.String(), ":", 4)
	if len(parts) < 4 {
		return ""
	}
	return strings.Join(parts[:3], ":") + "::/48"
}

// browserOf names the browser and system of a User-Agent roughly.
func browserOf(ua string) string {
	browser := "?"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"YaBrowser/", "Yandex"}, {"Firefox/", "Firefox"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := "?"
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"Windows", "Windows"},
		{"Mac OS", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	if browser == "?" && system == "?" {
		return ""
	}
	return browser + ", " + system
}

func originAAD(id string) string { return "origin:" + id }

func requestNotFound() error {
	return userError(digitalid.ENOTFOUND, "recovery.not_found", "There is no such recovery request.")
}

func approvalNotFound() error {
	return userError(digitalid.ENOTFOUND, "recovery.approval_not_found", "This request is no longer waiting for your decision.")
}

func closed() error {
	return userError(digitalid.ECONFLICT, "recovery.closed", "This recovery request is closed: it was completed, rejected, cancelled or has expired.")
}

// Ongoing returns the citizen's own open or approved request, for the
// cabinet: a citizen still signed in somewhere sees a recovery someone
// started and can cancel it. ok is false when there is none.
func (s *Service) Ongoing(ctx context.Context, citizenID string) (req Request, ok bool, err error) {
	rec, err := s.store.OpenRecoveryRequest(ctx, citizenID, s.now())
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return Request{}, false, nil
	}
	if err != nil {
		return Request{}, false, wrapErr("ongoing request", err)
	}
	return Request{ID: rec.ID, Status: effective(rec, s.now()), Reason: rec.Reason, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt}, true, nil
}

// CancelOwn cancels the signed-in citizen's open or approved request id
// (one they did not start, say). Returns ENOTFOUND (recovery.not_found)
// for any other id.
func (s *Service) CancelOwn(ctx context.Context, by account.Session, id string, cl account.Client) error {
	rec, err := s.store.RecoveryRequest(ctx, id)
	if err != nil || rec.CitizenID != by.CitizenID {
		return requestNotFound()
	}
	if err := s.store.CancelRecoveryRequest(ctx, id, s.now()); err != nil {
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return closed()
		}
		return wrapErr("cancel", err)
	}
	s.record(ctx, by.CitizenID, by.CitizenID, "recovery.cancelled", "recovery:"+id, audit.Success, cl, map[string]string{"reason": "cabinet"})
	s.notify(ctx, by.CitizenID, KindRecoveryCancelled, textCancelled, nil)
	return nil
}
