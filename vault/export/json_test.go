package export

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// topKeys returns the member names of a JSON object, in order, and those
// of its "fields" member.
func topKeys(t *testing.T, data []byte) (keys, fields []string) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	order := func(obj []byte) []string {
		d := json.NewDecoder(bytes.NewReader(obj))
		var out []string
		d.Token() // {
		for d.More() {
			k, _ := d.Token()
			out = append(out, k.(string))
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	return order(data), order(raw["fields"])
}

func TestJSON(t *testing.T) {
	reg := newRegistry(t)
	for _, s := range samples(t, reg) {
		t.Run(s.name, func(t *testing.T) {
			meta := s.meta
			meta.GeneratedAt = testNow().In(time.FixedZone("Almaty", 5*3600))
			e := NewJSONExport(s.doc, meta)
			var first, second bytes.Buffer
			if err := JSON(&first, e); err != nil {
				t.Fatalf("JSON(%s) = %v", s.name, err)
			}
			var back JSONExport
			if err := json.Unmarshal(first.Bytes(), &back); err != nil {
				t.Fatalf("json.Unmarshal(JSON(%s)) = %v", s.name, err)
			}
			if err := JSON(&second, back); err != nil {
				t.Fatal(err)
			}
			if first.String() != second.String() {
				t.Errorf("JSON(%s) does not round-trip:\n%s\n%s", s.name, first.String(), second.String())
			}
			if back.Signature != testJWS || back.Issuer != s.meta.Issuer || back.Status != s.meta.Status ||
				back.Type != s.doc.Type || back.Version != 1 || !back.ExportedAt.Equal(testNow()) {
				t.Errorf("JSON(%s) decodes to %+v", s.name, back)
			}
			if !strings.Contains(first.String(), `"exported_at": "2026-11-22T12:30:00Z"`) {
				t.Errorf("JSON(%s) does not write the export time in UTC:\n%s", s.name, first.String())
			}
			// Values survive as JSON would carry them.
			want, _ := json.Marshal(s.doc.Values)
			got, _ := json.Marshal(back.Fields)
			if !bytes.Equal(got, want) {
				t.Errorf("JSON(%s) fields = %s, want %s", s.name, got, want)
			}
			keys, fields := topKeys(t, first.Bytes())
			wantKeys := []string{"type", "version", "fields", "status", "issuer", "self_declared", "signature",
				"document_id", "issued_at", "updated_at", "exported_at"}
			if !reflect.DeepEqual(keys, wantKeys) {
				t.Errorf("JSON(%s) members = %v, want %v", s.name, keys, wantKeys)
			}
			if !slices.IsSorted(fields) || len(fields) != len(s.doc.Values) {
				t.Errorf("JSON(%s) fields members = %v, want all %d sorted", s.name, fields, len(s.doc.Values))
			}
		})
	}
}

func TestJSONSelfDeclared(t *testing.T) {
	reg := newRegistry(t)
	s := samples(t, reg)[1]
	meta := s.meta
	meta.SelfDeclared = true
	meta.IssuedAt, meta.UpdatedAt = time.Time{}, time.Time{}
	var b bytes.Buffer
	if err := JSON(&b, NewJSONExport(s.doc, meta)); err != nil {
		t.Fatal(err)
	}
	keys, _ := topKeys(t, b.Bytes())
	want := []string{"type", "version", "fields", "status", "self_declared", "document_id", "exported_at"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("JSON(self-declared) members = %v, want %v (no issuer, no signature)", keys, want)
	}
	if !strings.Contains(b.String(), `"self_declared": true`) {
		t.Errorf("JSON(self-declared) = %s", b.String())
	}
}
