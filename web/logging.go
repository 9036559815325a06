package web

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"unicode"
)

// Redacted replaces the value of an attribute whose key names a secret or
// personal data.
const Redacted = "[REDACTED]"

// NewLogger returns the service's logger: JSON lines for format "json", text
// (key=value) otherwise — cmd validates --log-format — wrapped in a
// RedactingHandler.
func NewLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(NewRedactingHandler(h))
}

// RedactingHandler is a slog.Handler that masks attributes whose keys look
// like secrets or personal data (pin, otp, code, token, password, secret,
// authorization, cookie, phone, name, passport, snils, inn, document_number,
// ...), at any depth of groups and after resolving slog.LogValuer values.
// It is the last line of defence: code should not log such values at all,
// and personal-data types should implement slog.LogValuer. Message text is
// not inspected.
type RedactingHandler struct {
	next slog.Handler
	all  bool // inside a group whose name is sensitive: mask everything
}

// NewRedactingHandler wraps next.
func NewRedactingHandler(next slog.Handler) *RedactingHandler {
	return &RedactingHandler{next: next}
}

// Enabled implements slog.Handler.
func (h *RedactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *RedactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redact(a, h.all))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *RedactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redact(a, h.all)
	}
	return &RedactingHandler{next: h.next.WithAttrs(red), all: h.all}
}

// WithGroup implements slog.Handler.
func (h *RedactingHandler) WithGroup(name string) slog.Handler {
	return &RedactingHandler{next: h.next.WithGroup(name), all: h.all || SensitiveKey(name)}
}

func redact(a slog.Attr, all bool) slog.Attr {
	a.Value = a.Value.Resolve()
	if all || SensitiveKey(a.Key) {
		if a.Value.Kind() == slog.KindGroup && a.Key == "" {
			all = true // an inlined group: mask its members, keep its shape
		} else {
			return slog.String(a.Key, Redacted)
		}
	}
	if a.Value.Kind() != slog.KindGroup {
		return a
	}
	members := a.Value.Group()
	red := make([]slog.Attr, len(members))
	for i, m := range members {
		red[i] = redact(m, all)
	}
	return slog.Attr{Key: a.Key, Value: slog.GroupValue(red...)}
}

// SensitiveKey reports whether an attribute key names a secret or personal
// data. The key is split into words (snake_case, kebab-case, dots and
// camelCase); it is sensitive when a word is in the list, or when the words
// joined contain a longer sensitive term ("documentNumber", "userPassword").
func SensitiveKey(key string) bool {
	words := splitWords(key)
	for _, w := range words {
		switch w {
		case "pin", "otp", "code", "token", "password", "passwd", "pwd", "secret", "authorization", "auth",
			"cookie", "cookies", "phone", "msisdn", "name", "surname", "patronymic", "passport", "snils",
			"inn", "iin", "email", "dob", "birthdate", "birthday", "address", "jwt", "bearer", "session", "otps", "pins":
			return true
		}
	}
	joined := strings.Join(words, "")
	for _, term := range []string{
		"password", "secret", "token", "passport", "snils", "authorization", "cookie", "phone",
		"documentnumber", "docnumber", "birth", "privatekey", "apikey", "masterkey",
		"firstname", "lastname", "fullname", "middlename", "username",
	} {
		if strings.Contains(joined, term) {
			return true
		}
	}
	return false
}

// splitWords lower-cases key and splits it at non-alphanumerics and at
// lower-to-upper case changes.
func splitWords(key string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, c := range key {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(c) && prevLower:
			flush()
		}
		prevLower = unicode.IsLower(c) || unicode.IsDigit(c)
		cur = append(cur, unicode.ToLower(c))
	}
	flush()
	return words
}
