package vault

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
)

// testNow is the fixed moment every test validates at.
func testNow() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }

func newRegistry(t testing.TB) *Registry {
	t.Helper()
	r, err := NewRegistry()
	if err != nil {
		t.Fatalf("NewRegistry() = %v", err)
	}
	return r
}

// example returns testdata/valid/<type>.json as a JSON object to edit.
func example(t testing.TB, typeID string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "valid", typeID+".json"))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse example %s: %v", typeID, err)
	}
	return doc
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return b
}

// edit changes one member of a document: set when v is not del, else remove.
type edit struct {
	key string
	v   any
}

type deleted int

const del deleted = 0

func apply(doc map[string]any, edits []edit) map[string]any {
	for _, e := range edits {
		if _, ok := e.v.(deleted); ok {
			delete(doc, e.key)
		} else {
			doc[e.key] = e.v
		}
	}
	return doc
}

// bad is an expected field error.
type bad struct{ field, code string }

// fieldErrors returns err's field errors as bad values, failing unless err is
// an EINVALID *digitalid.Error whose every field message exists in every
// language under its own key.
func fieldErrors(t *testing.T, r *Registry, call string, err error) []bad {
	t.Helper()
	var de *digitalid.Error
	if !errors.As(err, &de) || de.Code != digitalid.EINVALID {
		t.Fatalf("%s = %v, want an EINVALID *digitalid.Error", call, err)
	}
	var got []bad
	for _, fe := range de.Fields {
		got = append(got, bad{fe.Field, fe.Code})
		for _, lang := range Languages() {
			if s, ok := r.msgs.lookup(lang, fe.Key); !ok || s == "" || r.FieldMessage(lang, fe) != s {
				t.Errorf("%s: field %s key %q has no %s message", call, fe.Field, fe.Key, lang)
			}
		}
		if fe.Message == "" {
			t.Errorf("%s: field %s has no Message", call, fe.Field)
		}
	}
	return got
}

func sortBad(b []bad) []bad {
	b = slices.Clone(b)
	slices.SortFunc(b, func(x, y bad) int {
		if c := strings.Compare(x.field, y.field); c != 0 {
			return c
		}
		return strings.Compare(x.code, y.code)
	})
	return b
}
