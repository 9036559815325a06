package export

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/digitalid/digitalid/vault"
)

// JSONExport is a document as a citizen downloads it in JSON: its fields in
// canonical form with the issuer's signature kept verbatim, so that anyone
// can check the document against the issuer's public key without asking the
// vault. Members are written in the order below and the fields' names in
// sorted order, so the same document always exports to the same bytes.
type JSONExport struct {
	Type         string         `json:"type"`
	Version      int            `json:"version"`
	Fields       map[string]any `json:"fields"`
	Status       string         `json:"status"`
	Issuer       string         `json:"issuer,omitempty"`
	SelfDeclared bool           `json:"self_declared"`
	Signature    string         `json:"signature,omitempty"` // the issuer's JWS, byte for byte as received
	DocumentID   string         `json:"document_id,omitempty"`
	IssuedAt     time.Time      `json:"issued_at,omitzero"`
	UpdatedAt    time.Time      `json:"updated_at,omitzero"`
	ExportedAt   time.Time      `json:"exported_at"`
}

// NewJSONExport assembles the JSON export of a document from its fields and
// record. A self-declared document has no issuer and no signature.
func NewJSONExport(doc vault.Fields, meta Meta) JSONExport {
	e := JSONExport{
		Type:         doc.Type,
		Version:      doc.Version,
		Fields:       doc.Values,
		Status:       meta.Status,
		Issuer:       meta.Issuer,
		SelfDeclared: meta.SelfDeclared,
		Signature:    meta.Signature,
		DocumentID:   meta.DocumentID,
		IssuedAt:     meta.IssuedAt.UTC(),
		UpdatedAt:    meta.UpdatedAt.UTC(),
		ExportedAt:   meta.GeneratedAt.UTC(),
	}
	if meta.SelfDeclared {
		e.Issuer, e.Signature = "", ""
	}
	if e.Fields == nil {
		e.Fields = map[string]any{}
	}
	return e
}

// JSON writes the export as indented JSON, times in UTC.
func JSON(w io.Writer, doc JSONExport) error {
	doc.IssuedAt, doc.UpdatedAt, doc.ExportedAt = doc.IssuedAt.UTC(), doc.UpdatedAt.UTC(), doc.ExportedAt.UTC()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export: write JSON: %w", err)
	}
	return nil
}

// LogValue logs the export's type and version, never its fields.
func (e JSONExport) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", e.Type), slog.Int("version", e.Version))
}

// String names the type and version only, so that %v cannot leak a value.
func (e JSONExport) String() string {
	return fmt.Sprintf("export.JSONExport{%s v%d}", e.Type, e.Version)
}

// GoString is String for %#v.
func (e JSONExport) GoString() string { return e.String() }
