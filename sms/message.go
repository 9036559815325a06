package sms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"unicode/utf8"

	"github.com/digitalid/digitalid"
	"github.com/nyaruka/phonenumbers"
)

// MaxBodyLen is the longest body, in characters (runes), a Sender accepts.
// Gateways split long texts into several SMS parts; 1000 characters is far
// above any code or notice and bounds what one call can cost.
const MaxBodyLen = 1000

// maxPhoneInput bounds what NormalizePhone hands to the parser.
const maxPhoneInput = 64

// Message is one text message to one phone.
type Message struct {
	// To is the recipient in E.164 form ("+77011234567"). NormalizePhone
	// turns what a citizen typed into this form.
	To string
	// Body is the text. It often holds a one-time code, so it is never
	// logged and the outbox stores it only encrypted.
	Body string
	// Purpose names why the message is sent ("otp", "notice"): a short
	// lowercase token used in logs and metrics instead of the body.
	Purpose string
	// ID optionally identifies the message for de-duplication: a caller
	// that retries a Send after an ambiguous failure passes the same ID and
	// the message is delivered once. Empty: Send assigns a fresh random id.
	// 1 to 64 characters of [A-Za-z0-9_-].
	ID string
}

// Sender sends text messages. Implementations are safe for concurrent use.
type Sender interface {
	// Send delivers m, or stores it for delivery. Returns EINVALID if m is
	// malformed (bad number, empty or over-long body, bad purpose or id) or
	// the gateway rejects it, and EUNAVAILABLE if it cannot be delivered
	// now; the error then matches ctx's error when ctx ended.
	Send(ctx context.Context, m Message) error
}

// LogValue keeps the number and the text out of logs.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", m.ID),
		slog.String("purpose", m.Purpose),
		slog.Int("body_len", utf8.RuneCountInString(m.Body)),
	)
}

// Validate reports whether m can be sent: To must be a valid number written
// in E.164, Body non-empty UTF-8 of at most MaxBodyLen characters, Purpose
// a token of [a-z0-9_] (1 to 32, starting with a letter) and ID, when set,
// a valid id. The error is EINVALID with one FieldError per bad field; it
// never quotes the number or the body.
func (m Message) Validate() error {
	var fields []digitalid.FieldError
	bad := func(field, msg string) {
		fields = append(fields, digitalid.FieldError{Field: field, Code: digitalid.EINVALID, Message: msg})
	}
	if !IsE164(m.To) {
		bad("to", "must be a valid phone number in E.164 form (+ and digits)")
	}
	switch {
	case m.Body == "":
		bad("body", "must not be empty")
	case !utf8.ValidString(m.Body):
		bad("body", "must be UTF-8 text")
	case utf8.RuneCountInString(m.Body) > MaxBodyLen:
		bad("body", "must be at most 1000 characters")
	}
	if !validPurpose(m.Purpose) {
		bad("purpose", "must be 1 to 32 characters of a-z, 0-9 and _, starting with a letter")
	}
	if m.ID != "" && !validID(m.ID) {
		bad("id", "must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
	}
	if len(fields) > 0 {
		return &digitalid.Error{Code: digitalid.EINVALID, Message: "The text message is not valid.", Fields: fields}
	}
	return nil
}

// prepare validates m and gives it an id if it has none.
func prepare(m Message) (Message, error) {
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	if m.ID == "" {
		m.ID = newID()
	}
	return m, nil
}

// IsE164 reports whether s is a valid phone number written exactly in E.164
// form: "+", country code and national number, nothing else.
func IsE164(s string) bool {
	if len(s) < 2 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	n, err := NormalizePhone(s, "")
	return err == nil && n == s
}

// NormalizePhone parses a number as a person typed it ("8 701 123 45 67",
// "+7 (701) 123-45-67") and returns it in E.164. region is the ISO 3166
// country assumed when the number has no "+" prefix ("KZ"); empty means the
// number must carry one. Returns EINVALID if it is not a valid number.
func NormalizePhone(raw, region string) (string, error) {
	invalid := digitalid.Errorf(digitalid.EINVALID, "The phone number is not valid.")
	if raw == "" || len(raw) > maxPhoneInput {
		return "", invalid
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil {
		invalid.Err = err
		return "", invalid
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", invalid
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func validPurpose(p string) bool {
	if len(p) == 0 || len(p) > 32 || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for _, c := range p {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !isIDChar(c) {
			return false
		}
	}
	return true
}

// newID returns a random 128-bit message id, hex-encoded.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics instead)
	return hex.EncodeToString(b)
}
