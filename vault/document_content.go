package vault

import (
	"encoding/json"
	"fmt"
)

// content is what a document's sealed blob holds: everything about it that
// is personal or may be. Metadata (type, version, source, issuer, times)
// stays in clear columns and in the associated data.
type content struct {
	Fields      json.RawMessage `json:"fields"`                  // Fields.Values as JSON
	IssuerDocID string          `json:"issuer_doc_id,omitempty"` // the issuer's reference
	Signature   string          `json:"signature,omitempty"`     // the issuer's JWS, verbatim
}

// encodeContent serialises a document's contents for sealing.
func encodeContent(f Fields, issuerDocID, signature string) ([]byte, error) {
	vals, err := json.Marshal(f.Values)
	if err != nil {
		return nil, fmt.Errorf("vault: encode fields: %w", err)
	}
	return json.Marshal(content{Fields: vals, IssuerDocID: issuerDocID, Signature: signature})
}

// decodeContent reads an opened blob back into typed Fields of type t:
// strings for text, date, digits and enum fields, []string for enum lists,
// []Child for children. The blob was written by encodeContent from
// validated Fields, so anything else means corruption.
func decodeContent(t *DocType, plain []byte) (Fields, content, error) {
	var c content
	if err := json.Unmarshal(plain, &c); err != nil {
		return Fields{}, content{}, fmt.Errorf("vault: stored %s v%d content: %w", t.id, t.version, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(c.Fields, &raw); err != nil {
		return Fields{}, content{}, fmt.Errorf("vault: stored %s v%d fields: %w", t.id, t.version, err)
	}
	vals := make(map[string]any, len(raw))
	for name, v := range raw {
		i := t.index(name)
		if i < 0 {
			return Fields{}, content{}, fmt.Errorf("vault: stored %s v%d has unknown field %s", t.id, t.version, name)
		}
		var dst any
		switch t.fields[i].Kind {
		case KindEnumList:
			dst = new([]string)
		case KindChildren:
			dst = new([]Child)
		default:
			dst = new(string)
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return Fields{}, content{}, fmt.Errorf("vault: stored %s v%d field %s: %w", t.id, t.version, name, err)
		}
		switch p := dst.(type) {
		case *[]string:
			vals[name] = *p
		case *[]Child:
			vals[name] = *p
		case *string:
			vals[name] = *p
		}
	}
	return Fields{Type: t.id, Version: t.version, Values: vals}, c, nil
}
