package citizen

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/digitalid/digitalid/vault"
)

// childRows is how many child rows the form offers: enough for most large
// families without JavaScript to add rows.
const childRows = 6

// newDocumentView is what documents_new.html shows: the list of types to
// choose from, or the form of the chosen type.
type newDocumentView struct {
	Types      []typeChoice
	TypeID     string
	TypeLabel  string
	Fields     []formField
	Error      string
	FileErrors []string
	Status     int
}

type typeChoice struct{ ID, Label string }

// formField is one input of the form, generated from the type's field
// metadata. Name is the field's path in the vault's errors ("surname",
// "children[0].name"), so an error lands next to its input.
type formField struct {
	Name, Label, Input, Value, Error string // Input: text, date, textarea, select, checkboxes, children
	Required                         bool
	MaxLen                           int
	Options                          []formOption
	Rows                             [][]formField
}

type formOption struct {
	Value, Label string
	Selected     bool
}

func (h *handlers) newDocumentPage(w http.ResponseWriter, r *http.Request, a Auth) error {
	v, ok := h.documentForm(r, r.URL.Query().Get("type"), nil, nil)
	if !ok {
		lang := h.s.Lang(r)
		for _, t := range h.docs.reg.Types() {
			v.Types = append(v.Types, typeChoice{ID: t.ID(), Label: h.docs.reg.TypeLabel(lang, t.ID())})
		}
	}
	return h.s.Render(w, r, http.StatusOK, "documents_new", v)
}

// documentForm builds the form of typeID with the submitted values and
// errors by field path; ok is false for an unknown type.
func (h *handlers) documentForm(r *http.Request, typeID string, values url.Values, errs map[string]string) (newDocumentView, bool) {
	v := newDocumentView{Status: http.StatusOK}
	t, ok := h.docs.reg.Latest(typeID)
	if !ok {
		return v, false
	}
	lang := h.s.Lang(r)
	v.TypeID, v.TypeLabel = t.ID(), h.docs.reg.TypeLabel(lang, t.ID())
	input := func(f vault.Field, path, labelPath string) formField {
		ff := formField{Name: path, Label: h.docs.reg.FieldLabel(lang, t.ID(), labelPath), Value: values.Get(path),
			Error: errs[path], Required: f.Required, MaxLen: f.MaxLen, Input: "text"}
		if f.Kind == vault.KindDigits || f.Format != "" {
			ff.MaxLen = 0 // MaxLen counts the normalised value; typed input may add separators
		}
		switch {
		case f.Kind == vault.KindDate:
			ff.Input = "date"
		case f.Kind == vault.KindEnum || f.Kind == vault.KindEnumList:
			ff.Input = "select"
			if f.Kind == vault.KindEnumList {
				ff.Input = "checkboxes"
			}
			for _, e := range f.Enum {
				ff.Options = append(ff.Options, formOption{Value: e, Label: h.docs.reg.EnumLabel(lang, f.Name, e),
					Selected: slices.Contains(values[path], e)})
			}
		case f.Multiline:
			ff.Input = "textarea"
		}
		return ff
	}
	for _, f := range t.Fields() {
		ff := input(f, f.Name, f.Name)
		if f.Kind == vault.KindChildren {
			ff.Input = "children"
			for i := range max(childRows, f.MinItems) {
				var row []formField
				for _, c := range f.Children {
					row = append(row, input(c, fmt.Sprintf("%s[%d].%s", f.Name, i, c.Name), f.Name+"."+c.Name))
				}
				ff.Rows = append(ff.Rows, row)
			}
		}
		v.Fields = append(v.Fields, ff)
	}
	return v, true
}

// formDocument turns the submitted form of t into the document's JSON:
// empty inputs are left out, so the vault reports missing required fields.
func formDocument(t *vault.DocType, values url.Values) json.RawMessage {
	doc := map[string]any{}
	for _, f := range t.Fields() {
		switch f.Kind {
		case vault.KindEnumList:
			if l := values[f.Name]; len(l) > 0 {
				doc[f.Name] = l
			}
		case vault.KindChildren:
			var rows []map[string]string
			for i := range max(childRows, f.MinItems) {
				row := map[string]string{}
				for _, c := range f.Children {
					if s := strings.TrimSpace(values.Get(fmt.Sprintf("%s[%d].%s", f.Name, i, c.Name))); s != "" {
						row[c.Name] = s
					}
				}
				if len(row) > 0 {
					rows = append(rows, row)
				}
			}
			if len(rows) > 0 {
				doc[f.Name] = rows
			}
		default:
			if s := strings.TrimSpace(values.Get(f.Name)); s != "" {
				doc[f.Name] = s
			}
		}
	}
	raw, _ := json.Marshal(doc) // strings, lists and maps of strings always encode
	return raw
}

// addDocument stores the submitted form as a self-declared document, or
// shows the form again with each refusal next to its input.
func (h *handlers) addDocument(w http.ResponseWriter, r *http.Request, a Auth) error {
	if err := r.ParseMultipartForm(maxDocumentBody); err != nil {
		return badUpload(err)
	}
	typeID := r.PostForm.Get("type")
	t, ok := h.docs.reg.Latest(typeID)
	if !ok {
		return redirect(w, r, "/documents/new", nil)
	}
	files, err := uploads(r.MultipartForm.File["files"])
	if err == nil {
		_, err = h.docs.vault.AddSelfDeclared(r.Context(), a.Citizen.ID, typeID, formDocument(t, r.PostForm), files)
	}
	if err == nil {
		return redirect(w, r, "/documents", url.Values{"msg": {"added"}})
	}
	f, ferr := h.formError(r, h.localize(r, err))
	if ferr != nil {
		return ferr
	}
	v, _ := h.documentForm(r, typeID, r.PostForm, f.Errors)
	v.Status, v.Error = f.Status, f.Error
	for path, msg := range f.Errors {
		if strings.HasPrefix(path, "files") {
			v.FileErrors = append(v.FileErrors, msg)
		}
	}
	slices.Sort(v.FileErrors)
	if v.Error == "" {
		v.Error = h.s.T(r, "documents.form.invalid")
	}
	return h.s.Render(w, r, v.Status, "documents_new", v)
}
