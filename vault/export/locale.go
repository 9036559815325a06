package export

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"

	"github.com/digitalid/digitalid/vault"
)

// The card's own words (its source, dates, stamp, statuses) live in
// locales/{lang}.json beside the vault's, so translators edit files rather
// than Go code; every key starts with "vault.export." so the web package can
// merge them into its bundle.
//
//go:embed locales/*.json
var localeFiles embed.FS

// Locales returns the embedded message files (locales/{lang}.json), for the
// web package to merge into its bundle.
func Locales() fs.FS { return localeFiles }

// Labels are the card's own captions in the card's language: NewCard fills
// them so that the renderers need no message files.
type Labels struct {
	Source       string // caption of the row naming the issuer or the holder
	Added        string // caption of the date the document entered the vault
	Updated      string // caption of the date it last changed
	DocumentID   string // caption of the record id in the footer
	Generated    string // caption of the export time in the footer
	SelfDeclared string // the stamp on a document no issuer confirmed
	Verify       string // the caption under the QR code
}

// Status values of a document, as the vault records them. A card shows each
// in its own colour.
const (
	StatusValid   = "valid"
	StatusExpired = "expired"
	StatusRevoked = "revoked"
)

// texts is one language's "vault.export.*" messages.
type texts map[string]string

// language returns lang if the vault speaks it, else the fallback language.
func language(lang string) string {
	if slices.Contains(vault.Languages(), lang) {
		return lang
	}
	return vault.Languages()[0]
}

// loadTexts reads the messages of a language the vault speaks.
func loadTexts(lang string) (texts, error) {
	data, err := localeFiles.ReadFile("locales/" + lang + ".json")
	if err != nil {
		return nil, fmt.Errorf("export: read %s messages: %w", lang, err)
	}
	var t texts
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("export: parse %s messages: %w", lang, err)
	}
	return t, nil
}

// get returns a key's text, or the key itself so a missing translation
// shows rather than vanishes (a test checks none is missing).
func (t texts) get(key string) string {
	if s, ok := t[key]; ok {
		return s
	}
	return key
}

func (t texts) labels() Labels {
	return Labels{
		Source:       t.get("vault.export.source"),
		Added:        t.get("vault.export.added"),
		Updated:      t.get("vault.export.updated"),
		DocumentID:   t.get("vault.export.document_id"),
		Generated:    t.get("vault.export.generated"),
		SelfDeclared: t.get("vault.export.self_declared"),
		Verify:       t.get("vault.export.verify"),
	}
}

// status returns the label of a status, or the status itself when it is
// not one of the Status constants.
func (t texts) status(code string) string {
	if s, ok := t["vault.export.status."+code]; ok {
		return s
	}
	return code
}
