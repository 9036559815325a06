package citizen

import (
	"time"

	"github.com/digitalid/digitalid/vault"
)

// documentJSON is a document as the API shows it. The list fills only the
// metadata; a read of one document adds its fields, scan names and the
// issuer's signature.
type documentJSON struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	TypeLabel string         `json:"type_label"`
	Version   int            `json:"version"`
	Status    string         `json:"status"`
	Source    string         `json:"source"`
	Issuer    string         `json:"issuer,omitempty"`
	ExpiresOn string         `json:"expires_on,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	RevokedAt *time.Time     `json:"revoked_at,omitempty"`
	Files     []fileJSON     `json:"files"`
	Fields    map[string]any `json:"fields,omitempty"`
	// Labels names each field of Fields in the response language.
	Labels    map[string]string `json:"labels,omitempty"`
	Signature string            `json:"signature,omitempty"`
}

// fileJSON is a scan as the API shows it; Name only on a read.
type fileJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
}

func (h *handlers) documentJSON(lang string, d vault.Document) documentJSON {
	out := documentJSON{
		ID: d.ID, Type: d.TypeID, TypeLabel: h.docs.reg.TypeLabel(lang, d.TypeID), Version: d.Version,
		Status: string(d.Status), Source: string(d.Source), Issuer: d.IssuerID,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, RevokedAt: optTime(d.RevokedAt),
		Files: make([]fileJSON, 0, len(d.Files)), Signature: d.IssuerSignature,
	}
	if !d.ExpiresOn.IsZero() {
		out.ExpiresOn = d.ExpiresOn.Format(time.DateOnly)
	}
	for _, f := range d.Files {
		out.Files = append(out.Files, fileJSON{ID: f.ID, Name: f.Name, MediaType: f.MediaType, Size: f.Size})
	}
	if d.Fields.Values != nil {
		out.Fields = d.Fields.Values
		out.Labels = make(map[string]string, len(d.Fields.Values))
		for name := range d.Fields.Values {
			out.Labels[name] = h.docs.reg.FieldLabel(lang, d.TypeID, name)
		}
	}
	return out
}
