package export

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/vault"
)

// Line is one row of a card: a field's label and its value as the citizen
// reads it. A value may hold line breaks (a list, free text).
type Line struct {
	Label string
	Value string
}

// Card is everything a rendered document shows, already localized and
// formatted: the renderers only lay it out. Build it with NewCard. It holds
// personal data, so it logs and prints only its type label.
type Card struct {
	Lang         string    // the language of every text on the card
	TypeLabel    string    // the document type's name: the card's title
	Fields       []Line    // the document's fields in the type's display order
	Issuer       string    // who vouches for the document: the issuer, or "entered by the holder"
	Status       string    // the localized status
	StatusCode   string    // the status as stored (Status* constants); picks the badge colour
	IssuedAt     time.Time // when the document entered the vault; zero hides it
	UpdatedAt    time.Time // when it last changed; zero hides it
	GeneratedAt  time.Time // when this export was made, from the caller's clock
	DocumentID   string    // the vault's record id, printed in the footer
	VerifyURL    string    // the address the QR code encodes; "" draws no QR code
	SelfDeclared bool      // entered by the citizen: the card carries a "not confirmed" stamp
	Labels       Labels    // the card's own captions in Lang
}

// Meta is what the vault knows about a document beyond its fields: its
// record, status and source. NewCard and NewJSONExport read it.
type Meta struct {
	DocumentID   string
	Status       string    // one of the Status* constants
	Issuer       string    // the issuer's display name; ignored when SelfDeclared
	SelfDeclared bool      // entered by the citizen rather than pushed by an issuer
	IssuedAt     time.Time // when the document entered the vault
	UpdatedAt    time.Time // when it last changed
	VerifyURL    string    // where the document can be verified
	Signature    string    // the issuer's JWS over the document, kept verbatim; "" when self-declared
	GeneratedAt  time.Time // the export time: the caller's clock, captured once
}

// NewCard builds the card of a validated document in lang ("ru", "kk",
// "en"; others fall back to Russian): labels from the registry, dates as
// DD.MM.YYYY, enum values by their labels, SNILS grouped as printed, each
// child on its own row. It fails with EINVALID when the registry does not
// know the document's type and version or a value has the wrong shape.
func NewCard(reg *vault.Registry, lang string, doc vault.Fields, meta Meta) (Card, error) {
	lang = language(lang)
	t, ok := reg.Type(doc.Type, doc.Version)
	if !ok {
		return Card{}, digitalid.Errorf(digitalid.EINVALID, "unknown document type %s version %d", doc.Type, doc.Version)
	}
	msgs, err := loadTexts(lang)
	if err != nil {
		return Card{}, err
	}
	c := Card{
		Lang:         lang,
		TypeLabel:    reg.TypeLabel(lang, doc.Type),
		Issuer:       meta.Issuer,
		Status:       msgs.status(meta.Status),
		StatusCode:   meta.Status,
		IssuedAt:     meta.IssuedAt,
		UpdatedAt:    meta.UpdatedAt,
		GeneratedAt:  meta.GeneratedAt,
		DocumentID:   meta.DocumentID,
		VerifyURL:    meta.VerifyURL,
		SelfDeclared: meta.SelfDeclared,
		Labels:       msgs.labels(),
	}
	if meta.SelfDeclared || meta.Issuer == "" {
		c.Issuer = msgs.get("vault.export.source.holder")
	}
	for _, f := range t.Fields() {
		v, ok := doc.Values[f.Name]
		if !ok {
			continue
		}
		lines, err := fieldLines(reg, lang, doc.Type, f, v)
		if err != nil {
			return Card{}, err
		}
		c.Fields = append(c.Fields, lines...)
	}
	return c, nil
}

// fieldLines formats one field's value as the rows it takes on the card.
func fieldLines(reg *vault.Registry, lang, typeID string, f vault.Field, v any) ([]Line, error) {
	label := reg.FieldLabel(lang, typeID, f.Name)
	bad := digitalid.Errorf(digitalid.EINVALID, "field %s of %s has a value of the wrong shape", f.Name, typeID)
	switch f.Kind {
	case vault.KindEnumList:
		items, ok := stringList(v)
		if !ok {
			return nil, bad
		}
		for i, it := range items {
			items[i] = reg.EnumLabel(lang, f.Name, it)
		}
		return nonEmpty(label, strings.Join(items, "\n")), nil
	case vault.KindChildren:
		kids, ok := childList(v)
		if !ok {
			return nil, bad
		}
		out := make([]Line, len(kids))
		for i, k := range kids {
			out[i] = Line{Value: fmt.Sprintf("%d. %s — %s", i+1, k.Name, displayDate(k.BirthDate))}
		}
		if len(out) > 0 {
			out[0].Label = label
		}
		return out, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, bad
	}
	switch {
	case f.Kind == vault.KindDate:
		s = displayDate(s)
	case f.Kind == vault.KindEnum:
		s = reg.EnumLabel(lang, f.Name, s)
	case f.Format == vault.FormatSNILS:
		s = vault.DisplaySNILS(s)
	}
	return nonEmpty(label, s), nil
}

func nonEmpty(label, value string) []Line {
	if value == "" {
		return nil
	}
	return []Line{{Label: label, Value: value}}
}

// stringList reads a list of strings as Validate makes it ([]string) or as
// encoding/json decodes it ([]any).
func stringList(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return append([]string(nil), l...), true
	case []any:
		out := make([]string, len(l))
		for i, it := range l {
			s, ok := it.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// childList reads the children of a large family as Validate makes them
// ([]vault.Child) or as encoding/json decodes them ([]any of objects).
func childList(v any) ([]vault.Child, bool) {
	switch l := v.(type) {
	case []vault.Child:
		return l, true
	case []any:
		out := make([]vault.Child, len(l))
		for i, it := range l {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, false
			}
			name, okN := m["name"].(string)
			birth, okB := m["birth_date"].(string)
			if !okN || !okB {
				return nil, false
			}
			out[i] = vault.Child{Name: name, BirthDate: birth}
		}
		return out, true
	}
	return nil, false
}

// displayDate writes a YYYY-MM-DD date as DD.MM.YYYY, the way Russian and
// Kazakh documents print it; other text is returned unchanged.
func displayDate(s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return d.Format("02.01.2006")
}

// LogValue logs a line's label only, never its value.
func (l Line) LogValue() slog.Value { return slog.StringValue(l.Label) }

// LogValue logs the card's type label only, never its values.
func (c Card) LogValue() slog.Value { return slog.StringValue("export.Card{" + c.TypeLabel + "}") }

// String names the card's type only, so that %v cannot leak a value.
func (c Card) String() string { return "export.Card{" + c.TypeLabel + "}" }

// GoString is String for %#v.
func (c Card) GoString() string { return c.String() }
