package account

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// MaxDeviceName is the longest device name, in characters.
const MaxDeviceName = 64

// Device is a browser or app instance a citizen signed in on. It proves
// itself with a device token (handed out once at registration, kept by the
// client, stored only as a hash): PIN plus a registered device signs in.
// Passkeys and presentations of later issues are bound to a device and must
// refuse a blocked one (Device.Blocked).
type Device struct {
	ID         string
	CitizenID  string
	Name       string // chosen by the citizen; may be personal, so stored sealed
	CreatedAt  time.Time
	LastSeenAt time.Time
	BlockedAt  time.Time // zero unless blocked
}

// Blocked reports whether the device was blocked (lost): from that instant
// nothing it holds — sessions, passkeys, QR codes — may be accepted.
func (d Device) Blocked() bool { return !d.BlockedAt.IsZero() }

// DeviceRecord is a device as stored: its name sealed (AAD
// "device_name:"+ID) and its token only as a SHA-256 hash.
type DeviceRecord struct {
	ID         string
	CitizenID  string
	TokenHash  []byte
	NameSealed []byte
	CreatedAt  time.Time
	LastSeenAt time.Time
	BlockedAt  time.Time
}

// newDevice builds a device of the citizen and its token, unsaved.
func (ss *Sessions) newDevice(citizenID, name string, now time.Time) (DeviceRecord, string, error) {
	name, err := checkDeviceName(name)
	if err != nil {
		return DeviceRecord{}, "", err
	}
	token, hash := newToken(tokenDevice)
	id := NewID("d_")
	return DeviceRecord{
		ID: id, CitizenID: citizenID, TokenHash: hash, NameSealed: ss.seal.seal(name, deviceAAD(id)),
		CreatedAt: now, LastSeenAt: now,
	}, token, nil
}

// deviceByToken returns the unblocked device a device token names.
// Returns EUNAUTHORIZED (key account.device.unknown) for a malformed,
// unknown or blocked device token: the client signs in with an SMS code.
func (ss *Sessions) deviceByToken(ctx context.Context, token string) (DeviceRecord, error) {
	hash, ok := parseToken(tokenDevice, token)
	if !ok {
		return DeviceRecord{}, unknownDevice(nil)
	}
	d, err := ss.store.DeviceByTokenHash(ctx, hash)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return DeviceRecord{}, unknownDevice(err)
	}
	if err != nil {
		return DeviceRecord{}, wrapErr("read device", err)
	}
	if !d.BlockedAt.IsZero() {
		return DeviceRecord{}, unknownDevice(fmt.Errorf("device %s is blocked", d.ID))
	}
	return d, nil
}

// Device returns a device by id, for the checks of other packages
// (Device.Blocked). Returns ENOTFOUND if there is none.
func (ss *Sessions) Device(ctx context.Context, id string) (Device, error) {
	d, err := ss.store.DeviceByID(ctx, id)
	if err != nil {
		return Device{}, wrapErr("read device", err)
	}
	return ss.openDevice(d)
}

// Devices returns the citizen's devices, blocked ones included, oldest
// first.
func (ss *Sessions) Devices(ctx context.Context, citizenID string) ([]Device, error) {
	recs, err := ss.store.ListDevices(ctx, citizenID)
	if err != nil {
		return nil, wrapErr("list devices", err)
	}
	out := make([]Device, 0, len(recs))
	for _, r := range recs {
		d, err := ss.openDevice(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// RenameDevice renames one of the signed-in citizen's devices. Returns
// EINVALID for a bad name (see checkDeviceName) and ENOTFOUND if the citizen
// has no such device.
func (ss *Sessions) RenameDevice(ctx context.Context, by Session, deviceID, name string) error {
	name, err := checkDeviceName(name)
	if err != nil {
		return err
	}
	return wrapErr("rename device", ss.store.RenameDevice(ctx, by.CitizenID, deviceID, ss.seal.seal(name, deviceAAD(deviceID))))
}

// BlockDevice blocks one of the signed-in citizen's devices, as when it is
// lost: it is marked blocked and all its sessions end in one transaction,
// so from that instant its token, its sessions and (in later issues) its
// passkeys and QR codes are refused. The block is audited and the citizen
// notified in the inbox and by SMS. Blocking the device of by itself is
// allowed and signs it out. A citizen with no other signed-in device signs
// in on a new one (SMS code and PIN) and blocks the lost one from there.
// Returns ENOTFOUND if the citizen has no such device and ECONFLICT if it
// is blocked already.
func (ss *Sessions) BlockDevice(ctx context.Context, by Session, deviceID string, c Client) (Device, error) {
	now := ss.now()
	ended, err := ss.store.BlockDevice(ctx, by.CitizenID, deviceID, now)
	if err != nil {
		return Device{}, wrapErr("block device", err)
	}
	ss.record(ctx, by, "account.device.blocked", "device:"+deviceID, audit.Success, c,
		map[string]string{"sessions_ended": fmt.Sprint(len(ended))})
	for _, id := range ended {
		ss.record(ctx, by, "account.session.ended", "session:"+id, audit.Success, c,
			map[string]string{"reason": EndDeviceBlocked})
	}
	for _, fn := range ss.onBlocked {
		fn(ctx, by.CitizenID, deviceID)
	}
	if _, err := ss.notify.Add(ctx, by.CitizenID, KindDeviceBlocked, map[string]string{"device": deviceID}); err != nil {
		ss.log.ErrorContext(ctx, "notification of device block failed", "citizen", by.CitizenID, "err", err)
	}
	return ss.Device(ctx, deviceID)
}

// openDevice turns a stored device into a Device.
func (ss *Sessions) openDevice(r DeviceRecord) (Device, error) {
	name, err := ss.seal.open(r.NameSealed, deviceAAD(r.ID))
	if err != nil {
		return Device{}, fmt.Errorf("account: device %s name: %w", r.ID, err)
	}
	return Device{
		ID: r.ID, CitizenID: r.CitizenID, Name: name,
		CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, BlockedAt: r.BlockedAt,
	}, nil
}

func deviceAAD(id string) string { return "device_name:" + id }

// checkDeviceName trims name and accepts 1 to MaxDeviceName characters of
// UTF-8 text without control characters.
func checkDeviceName(name string) (string, error) {
	name = strings.TrimSpace(name)
	bad := func() (string, error) {
		return "", fieldError("device_name", "account.device.name",
			fmt.Sprintf("The device name must be 1 to %d characters of text.", MaxDeviceName))
	}
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxDeviceName {
		return bad()
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return bad()
		}
	}
	return name, nil
}

func unknownDevice(cause error) error {
	return userError(digitalid.EUNAUTHORIZED, "account.device.unknown",
		"This device is not recognised; sign in with a code sent by SMS.", cause)
}
