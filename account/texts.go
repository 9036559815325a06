package account

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// textsJSON holds the few SMS texts the account services send, in ru, kk and
// en: {"lang": {"name": "text with {placeholders}"}}. Page and error text
// lives in the web package's message files; these are here because the
// domain sends them itself.
//
//go:embed texts.json
var textsJSON []byte

// Names of the SMS texts.
const (
	textOTP          = "otp"
	textSignupExists = "signup_exists"
)

// texts is the parsed texts.json, read-only after loadTexts.
type texts map[string]map[string]string

// loadTexts parses the embedded texts and checks that every language has
// every text the English set has.
func loadTexts() (texts, error) {
	var t texts
	if err := json.Unmarshal(textsJSON, &t); err != nil {
		return nil, fmt.Errorf("account: texts.json: %w", err)
	}
	for _, lang := range []string{"ru", "kk", "en"} {
		if t[lang] == nil {
			return nil, fmt.Errorf("account: texts.json lacks %s", lang)
		}
		for name := range t["en"] {
			if t[lang][name] == "" {
				return nil, fmt.Errorf("account: texts.json lacks %s text %q", lang, name)
			}
		}
	}
	return t, nil
}

// format returns text name in lang (falling back to Russian) with each
// {key} replaced by its value.
func (t texts) format(lang, name string, args map[string]string) string {
	s, ok := t[lang][name]
	if !ok {
		s = t[DefaultLang][name]
	}
	for k, v := range args {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}
