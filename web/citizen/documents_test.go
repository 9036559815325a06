package citizen_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// fakeJWS has the shape of a compact JWS; the vault keeps an issuer's
// signature verbatim (the issuer API verifies it).
const fakeJWS = "eyJhbGciOiJFUzI1NiJ9.eyJkb2MiOiJzbmlscyJ9.c2lnbmF0dXJl"

func TestDocumentsAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newDocEnv(t, db, options{})
		me := e.signUp(phone(300))
		other := e.signUp(phone(301))

		// Bad fields: every bad field listed in the citizen's language, nothing stored.
		bad := snilsFields()
		bad["number"], bad["birth_date"] = "112-233-445 96", "2999-01-01"
		messages := map[string]map[string]string{}
		for _, lang := range []string{"ru", "en"} {
			rec := e.addDocument(me.SessionToken, lang, "snils", bad)
			var p problem
			if rec.Code != 400 || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Code != "invalid" {
				t.Fatalf("POST /api/v1/documents (bad fields, %s) = %d %s, want 400 invalid", lang, rec.Code, rec.Body)
			}
			messages[lang] = map[string]string{}
			for _, fe := range p.Errors {
				messages[lang][fe.Field] = fe.Message
			}
			if _, ok := messages[lang]["number"]; !ok || len(messages[lang]) != 2 || messages[lang]["birth_date"] == "" {
				t.Errorf("POST /api/v1/documents (bad fields, %s) errors = %v, want number and birth_date", lang, messages[lang])
			}
		}
		for field, ru := range messages["ru"] {
			if ru == messages["en"][field] || !strings.ContainsFunc(ru, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
				t.Errorf("error of %s in ru = %q, en = %q; want a Russian text", field, ru, messages["en"][field])
			}
		}
		// A file that is not an image, named .png.
		rec := e.addDocument(me.SessionToken, "en", "snils", snilsFields(), upload{"scan.png", []byte("%!PS-Adobe-3.0 not an image")})
		if p := decodeProblem(t, rec.Body.Bytes()); rec.Code != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "files[0]" {
			t.Fatalf("POST /api/v1/documents (fake PNG) = %d %s, want 400 naming files[0]", rec.Code, rec.Body)
		}
		if got := e.documentList(me.SessionToken); len(got) != 0 {
			t.Fatalf("documents after refused adds = %v, want none", got)
		}

		// Add with a PNG scan.
		rec = e.addDocument(me.SessionToken, "en", "snils", snilsFields(), upload{"скан.png", scanPNG(t)})
		var added documentOut
		if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &added) != nil || added.Source != "self" || len(added.Files) != 1 {
			t.Fatalf("POST /api/v1/documents = %d %s, want 201 with one file", rec.Code, rec.Body)
		}
		list := e.documentList(me.SessionToken)
		if len(list) != 1 || list[0].ID != added.ID || list[0].TypeLabel != "СНИЛС" ||
			list[0].Status != "valid" || list[0].Fields != nil {
			t.Fatalf("GET /api/v1/documents = %+v, want the SNILS card's metadata only", list)
		}
		path := "/api/v1/documents/" + added.ID

		// Contents need a re-authentication within five minutes.
		e.clock.Advance(6 * time.Minute)
		for _, p := range []string{path, path + "/files/" + added.Files[0].ID, path + "/export?format=pdf"} {
			if pr, _ := e.refused(req{method: "GET", path: p, token: me.SessionToken}, 403, "forbidden"); pr.Detail == "" {
				t.Errorf("GET %s without re-auth: empty detail", p)
			}
		}
		e.json(req{method: "POST", path: "/api/v1/auth/reauth", token: me.SessionToken, body: map[string]string{"pin": goodPIN}}, 200, nil)
		var got documentOut
		e.json(req{method: "GET", path: path, token: me.SessionToken}, 200, &got)
		if got.Fields["number"] != "11223344595" || got.Fields["surname"] != "Иванова" || got.Labels["number"] != "Номер СНИЛС" ||
			len(got.Files) != 1 || got.Files[0].Name != "скан.png" {
			t.Errorf("GET %s = %+v, want the SNILS fields and the scan's name", path, got)
		}
		file := e.json(req{method: "GET", path: path + "/files/" + added.Files[0].ID, token: me.SessionToken}, 200, nil)
		if ct, cd := file.Header().Get("Content-Type"), file.Header().Get("Content-Disposition"); ct != "image/png" ||
			!strings.HasPrefix(cd, "attachment") || !bytes.HasPrefix(file.Body.Bytes(), []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("GET file = %s, %s, %q..., want an attached PNG", ct, cd, file.Body.Bytes()[:min(8, file.Body.Len())])
		}
		for _, x := range exportCases() {
			rec := e.json(req{method: "GET", path: path + "/export?format=" + x.format, token: me.SessionToken}, 200, nil)
			x.check(t, rec.Header().Get("Content-Type"), rec.Body.Bytes(), "")
		}
		e.refused(req{method: "GET", path: path + "/export?format=docx", token: me.SessionToken}, 400, "invalid")

		// Another citizen's document does not exist for them.
		e.json(req{method: "POST", path: "/api/v1/auth/reauth", token: other.SessionToken, body: map[string]string{"pin": goodPIN}}, 200, nil)
		for _, r := range []req{{method: "GET", path: path}, {method: "GET", path: path + "/export?format=json"},
			{method: "GET", path: path + "/files/" + added.Files[0].ID}, {method: "DELETE", path: path}} {
			r.token = other.SessionToken
			e.refused(r, 404, "not_found")
		}

		// An issuer's document: exported with its signature, not deletable.
		issued, _, err := e.vault.UpsertFromIssuer(e.ctx, "fns", me.CitizenID, "snils", mustJSON(t, snilsFields()), fakeJWS, "ref-1", "")
		if err != nil {
			t.Fatalf("UpsertFromIssuer: %v", err)
		}
		rec = e.json(req{method: "GET", path: "/api/v1/documents/" + issued.ID + "/export?format=json", token: me.SessionToken}, 200, nil)
		exportCases()[3].check(t, rec.Header().Get("Content-Type"), rec.Body.Bytes(), fakeJWS)
		e.refused(req{method: "DELETE", path: "/api/v1/documents/" + issued.ID, token: me.SessionToken}, 403, "forbidden")

		// Delete the self-declared one.
		e.json(req{method: "DELETE", path: path, token: me.SessionToken}, 204, nil)
		e.refused(req{method: "GET", path: path, token: me.SessionToken}, 404, "not_found")
		if list := e.documentList(me.SessionToken); len(list) != 1 || list[0].ID != issued.ID {
			t.Errorf("documents after delete = %+v, want only the issuer's", list)
		}
	})
}

// TestAddDocumentJSON adds a document without scans as plain JSON.
func TestAddDocumentJSON(t *testing.T) {
	e := newDocEnv(t, testdb.SQLite(t), options{})
	me := e.signUp(phone(310))
	var d documentOut
	e.json(req{method: "POST", path: "/api/v1/documents", token: me.SessionToken,
		body: map[string]any{"type": "snils", "fields": snilsFields()}}, 201, &d)
	if d.Type != "snils" || d.Source != "self" || len(d.Files) != 0 {
		t.Errorf("POST /api/v1/documents (JSON) = %+v", d)
	}
	p, _ := e.refused(req{method: "POST", path: "/api/v1/documents", token: me.SessionToken,
		body: map[string]any{"type": "nope", "fields": map[string]string{}}}, 400, "invalid")
	if len(p.Errors) != 1 || p.Errors[0].Field != "type" {
		t.Errorf("unknown type: errors %+v, want type", p.Errors)
	}
	e.refused(req{method: "GET", path: "/api/v1/documents"}, 401, "unauthorized")
}

// exportCase checks one export format's answer.
type exportCase struct {
	format, ctype, magic string
}

func exportCases() []exportCase {
	return []exportCase{
		{"pdf", "application/pdf", "%PDF-"},
		{"png", "image/png", "\x89PNG\r\n\x1a\n"},
		{"svg", "image/svg+xml", "<svg"},
		{"json", "application/json", "{"},
	}
}

// check fails unless body is the format's file; a JSON export must carry
// signature (which may be "" for a self-declared document).
func (x exportCase) check(t *testing.T, ctype string, body []byte, signature string) {
	t.Helper()
	head := body
	if x.format == "svg" { // an XML declaration may come first
		if i := bytes.Index(body, []byte("<svg")); i >= 0 {
			head = body[i:]
		}
	}
	if !strings.HasPrefix(ctype, x.ctype) || !bytes.HasPrefix(head, []byte(x.magic)) {
		t.Errorf("export %s: Content-Type %q, starts %q; want %s, %q", x.format, ctype, body[:min(10, len(body))], x.ctype, x.magic)
	}
	if x.format != "json" {
		return
	}
	var doc struct {
		Type      string         `json:"type"`
		Fields    map[string]any `json:"fields"`
		Signature string         `json:"signature"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Type != "snils" || doc.Fields["surname"] != "Иванова" || doc.Signature != signature {
		t.Errorf("JSON export = %s (%v), want the SNILS fields and signature %q", body, err, signature)
	}
}

func decodeProblem(t *testing.T, b []byte) problem {
	t.Helper()
	var p problem
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("decode problem %s: %v", b, err)
	}
	return p
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDocumentPages checks the add-document form without JavaScript: the
// form generated for a type with children, and a refused form shown again
// in the citizen's language with nothing stored.
func TestDocumentPages(t *testing.T) {
	e := newDocEnv(t, testdb.SQLite(t), options{})
	me := e.signUp(phone(340))
	session := &http.Cookie{Name: "digitalid_session", Value: me.SessionToken}
	rec := e.do(req{method: "GET", path: "/documents/new?type=large_family_certificate", cookies: []*http.Cookie{session}, headers: []string{"Accept-Language: ru"}})
	page := rec.Body.String()
	for _, want := range []string{`name="children[5].birth_date"`, `accept=".pdf,.jpg,.jpeg,.png"`, `enctype="multipart/form-data"`, "Дата рождения ребёнка"} {
		if rec.Code != 200 || !strings.Contains(page, want) {
			t.Errorf("GET /documents/new?type=large_family_certificate = %d, want it to hold %s", rec.Code, want)
		}
	}
	if strings.Contains(page, "children[6]") {
		t.Errorf("the form offers more than 6 child rows")
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"type": "snils", "number": "112-233-445 96", "surname": "Иванова", "given_names": "Анна",
		"sex": "F", "birth_date": "1985-03-14"} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	hr := httptest.NewRequest("POST", "/documents/new", &body)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.Header.Set("Accept-Language", "ru")
	hr.AddCookie(session)
	rec = httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	page = rec.Body.String()
	if rec.Code != 400 || !strings.Contains(page, `id="number-error"`) || !strings.Contains(page, "Исправьте отмеченные поля.") ||
		!strings.Contains(page, `value="Иванова"`) {
		t.Errorf("POST /documents/new (bad SNILS, ru) = %d, want the form again with the number's error in Russian:\n%s", rec.Code, page)
	}
	if got := e.documentList(me.SessionToken); len(got) != 0 {
		t.Errorf("documents after a refused form = %v, want none", got)
	}
	rec = e.do(req{method: "GET", path: "/documents", cookies: []*http.Cookie{session}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `href="/documents/new"`) {
		t.Errorf("GET /documents = %d, want the list with a link to add a document", rec.Code)
	}
}
