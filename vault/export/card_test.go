package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/vault"
)

// cardText is everything a card shows, one text per line.
func cardText(c Card) string {
	parts := []string{c.TypeLabel, c.Issuer, c.Status, c.DocumentID}
	for _, f := range c.Fields {
		parts = append(parts, f.Label, f.Value)
	}
	return strings.Join(parts, "\n")
}

func findLine(c Card, label string) (Line, bool) {
	for _, f := range c.Fields {
		if f.Label == label {
			return f, true
		}
	}
	return Line{}, false
}

func TestNewCard(t *testing.T) {
	reg := newRegistry(t)
	ss := samples(t, reg)
	snils := sample{name: "ru snils", lang: "ru", meta: testMeta(StatusValid), doc: validDoc(t, reg, "snils", map[string]any{
		"number": "11223344595", "surname": "Иванова", "given_names": "Анна", "sex": "F", "birth_date": "1985-03-14",
	})}
	tests := []struct {
		s            sample
		label, value string
	}{
		{ss[0], "Туған күні", "14.03.1985"},
		{ss[0], "Жынысы", "Әйел"},
		{ss[0], "Туған жері", "Қарағанды облысы, Үшқоңыр ауылы, Сәтбаев көшесі"},
		{ss[1], "Категории", "B — автомобили до 3,5 т\nBE — автомобили категории B с прицепом\nM — мопеды"},
		{ss[1], "Дата рождения", "20.07.1990"},
		{ss[2], "Form of study", "Full-time"},
		{ss[2], "Valid until", "31.08.2028"},
		{snils, "Номер СНИЛС", "112-233-445 95"},
		{snils, "Пол", "Женский"},
	}
	for _, tt := range tests {
		t.Run(tt.s.name+"/"+tt.label, func(t *testing.T) {
			c := sampleCard(t, reg, tt.s)
			got, ok := findLine(c, tt.label)
			if !ok || got.Value != tt.value {
				t.Errorf("NewCard(%s) line %q = %q (found %v), want %q", tt.s.name, tt.label, got.Value, ok, tt.value)
			}
		})
	}
	for _, s := range ss {
		c := sampleCard(t, reg, s)
		text := cardText(c)
		for _, w := range s.want {
			if !strings.Contains(text, w) && !strings.Contains(fmt.Sprint(c.Labels), w) {
				t.Errorf("NewCard(%s) shows no %q", s.name, w)
			}
		}
		if c.Lang != s.lang || c.VerifyURL != s.meta.VerifyURL || !c.GeneratedAt.Equal(testNow()) {
			t.Errorf("NewCard(%s) = lang %q, URL %q, generated %v", s.name, c.Lang, c.VerifyURL, c.GeneratedAt)
		}
	}
}

func TestNewCardOrderAndChildren(t *testing.T) {
	reg := newRegistry(t)
	doc := validDoc(t, reg, "large_family_certificate", map[string]any{
		"number": "77-123456", "surname": "Петрова", "given_names": "Анна",
		"children": []map[string]any{
			{"name": "Петров Иван Петрович", "birth_date": "2013-05-01"},
			{"name": "Петрова Мария Петровна", "birth_date": "2016-02-29"},
			{"name": "Петров Илья Петрович", "birth_date": "2020-11-30"},
		},
		"issue_date": "2021-03-01", "authority": "Департамент",
	})
	c, err := NewCard(reg, "ru", doc, testMeta(StatusValid))
	if err != nil {
		t.Fatalf("NewCard(large family) = %v", err)
	}
	lbl := func(field string) string { return reg.FieldLabel("ru", doc.Type, field) }
	want := []Line{
		{lbl("number"), "77-123456"}, {lbl("surname"), "Петрова"}, {lbl("given_names"), "Анна"},
		{"Дети", "1. Петров Иван Петрович — 01.05.2013"},
		{"", "2. Петрова Мария Петровна — 29.02.2016"},
		{"", "3. Петров Илья Петрович — 30.11.2020"},
		{"Дата выдачи", "01.03.2021"}, {lbl("authority"), "Департамент"},
	}
	if !reflect.DeepEqual(c.Fields, want) {
		t.Errorf("NewCard(large family).Fields =\n%q\nwant\n%q", c.Fields, want)
	}
}

func TestNewCardFromDecodedJSON(t *testing.T) {
	// Stored documents come back through encoding/json: lists as []any.
	reg := newRegistry(t)
	for _, s := range samples(t, reg) {
		raw, err := json.Marshal(s.doc)
		if err != nil {
			t.Fatal(err)
		}
		var decoded vault.Fields
		if err := json.Unmarshal(raw, &decoded); err != nil {
			t.Fatal(err)
		}
		got, err := NewCard(reg, s.lang, decoded, s.meta)
		if err != nil {
			t.Fatalf("NewCard(decoded %s) = %v", s.name, err)
		}
		if want := sampleCard(t, reg, s); !reflect.DeepEqual(got, want) {
			t.Errorf("NewCard(decoded %s) =\n%q\nwant\n%q", s.name, got.Fields, want.Fields)
		}
	}
	fam := largeFamily(t, reg)
	if len(fam.Fields) < 30 {
		t.Errorf("NewCard(large family) has %d lines, want a line per child", len(fam.Fields))
	}
}

func TestNewCardStatusAndSource(t *testing.T) {
	reg := newRegistry(t)
	doc := samples(t, reg)[1].doc
	seen := make(map[string]bool)
	for _, lang := range vault.Languages() {
		for _, status := range []string{StatusValid, StatusExpired, StatusRevoked} {
			c, err := NewCard(reg, lang, doc, testMeta(status))
			if err != nil {
				t.Fatal(err)
			}
			if c.Status == "" || c.Status == status || strings.HasPrefix(c.Status, "vault.") || seen[c.Status] {
				t.Errorf("NewCard(%s, %s).Status = %q, want a distinct localized label", lang, status, c.Status)
			}
			seen[c.Status] = true
			if c.StatusCode != status || c.Issuer != "МВД России" {
				t.Errorf("NewCard(%s, %s) = code %q issuer %q", lang, status, c.StatusCode, c.Issuer)
			}
		}
		meta := testMeta("suspended")
		meta.SelfDeclared = true
		c, err := NewCard(reg, lang, doc, meta)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != "suspended" {
			t.Errorf("NewCard(%s, unknown status).Status = %q, want the code itself", lang, c.Status)
		}
		if c.Issuer == "МВД России" || c.Issuer == "" || !c.SelfDeclared {
			t.Errorf("NewCard(%s, self-declared).Issuer = %q, want the holder, not the claimed issuer", lang, c.Issuer)
		}
	}
}

func TestNewCardLanguageFallback(t *testing.T) {
	reg := newRegistry(t)
	c, err := NewCard(reg, "de", samples(t, reg)[1].doc, testMeta(StatusValid))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lang != "ru" || c.TypeLabel != "Водительское удостоверение" || c.Labels.Source != "Источник" {
		t.Errorf("NewCard(de) = lang %q title %q source %q, want Russian", c.Lang, c.TypeLabel, c.Labels.Source)
	}
}

func TestNewCardErrors(t *testing.T) {
	reg := newRegistry(t)
	good := samples(t, reg)[1].doc
	bad := func(name string, v any) vault.Fields {
		d := vault.Fields{Type: good.Type, Version: good.Version, Values: map[string]any{}}
		for k, x := range good.Values {
			d.Values[k] = x
		}
		d.Values[name] = v
		return d
	}
	tests := []struct {
		name string
		doc  vault.Fields
	}{
		{"unknown type", vault.Fields{Type: "diploma", Version: 1}},
		{"unknown version", vault.Fields{Type: "snils", Version: 99}},
		{"list not a list", bad("categories", 7)},
		{"list of numbers", bad("categories", []any{1.0})},
		{"text not a string", bad("surname", 12.0)},
		{"children not objects", vault.Fields{Type: "large_family_certificate", Version: 1, Values: map[string]any{"children": []any{"x"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewCard(reg, "ru", tt.doc, Meta{}); digitalid.ErrorCode(err) != digitalid.EINVALID {
				t.Errorf("NewCard(%s) = %v, want EINVALID", tt.name, err)
			}
		})
	}
}

func TestLocales(t *testing.T) {
	base, err := loadTexts("ru")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range vault.Languages() {
		m, err := loadTexts(lang)
		if err != nil {
			t.Fatalf("loadTexts(%s) = %v", lang, err)
		}
		if len(m) != len(base) {
			t.Errorf("locales/%s.json has %d keys, ru.json %d", lang, len(m), len(base))
		}
		for k := range base {
			if m[k] == "" {
				t.Errorf("locales/%s.json lacks %s", lang, k)
			}
		}
		for _, v := range []string{m.status(StatusValid), m.status(StatusExpired), m.status(StatusRevoked)} {
			if strings.HasPrefix(v, "vault.") || v == StatusValid || v == StatusExpired || v == StatusRevoked {
				t.Errorf("locales/%s.json lacks a status label: %q", lang, v)
			}
		}
		if l := fmt.Sprint(m.labels()); strings.Contains(l, "vault.export.") {
			t.Errorf("locales/%s.json lacks a label: %s", lang, l)
		}
	}
}

func TestCardHidesValues(t *testing.T) {
	reg := newRegistry(t)
	s := samples(t, reg)[0]
	c := sampleCard(t, reg, s)
	e := NewJSONExport(s.doc, s.meta)
	var log bytes.Buffer
	slog.New(slog.NewTextHandler(&log, nil)).Info("export", "card", c, "json", e)
	out := fmt.Sprintf("%v %+v %#v %v %#v", c, c, c, e, e) + log.String()
	for _, secret := range []string{"Нұрғалиева", "123456", "14.03.1985", "1985-03-14"} {
		if strings.Contains(out, secret) {
			t.Errorf("printing or logging a card shows %q: %s", secret, out)
		}
	}
}
