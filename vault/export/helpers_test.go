package export

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/digitalid/digitalid/vault"
)

// testNow is the fixed moment every test validates and exports at.
func testNow() time.Time { return time.Date(2026, 11, 22, 12, 30, 0, 0, time.UTC) }

// kazakhLetters are the letters Kazakh adds to Russian; every renderer must
// draw and keep them.
const kazakhLetters = "әғқңөұүһі"

// testJWS stands in for an issuer's compact JWS: the exports keep it verbatim.
const testJWS = "eyJhbGciOiJFUzI1NiIsImtpZCI6Im12ZC0yMDI2In0.eyJ0eXBlIjoicGFzc3BvcnRfcnUifQ.c2lnbmF0dXJl"

func newRegistry(t testing.TB) *vault.Registry {
	t.Helper()
	r, err := vault.NewRegistry()
	if err != nil {
		t.Fatalf("vault.NewRegistry() = %v", err)
	}
	return r
}

// validDoc validates a document the way the vault stores it.
func validDoc(t testing.TB, reg *vault.Registry, typeID string, fields map[string]any) vault.Fields {
	t.Helper()
	raw, err := json.Marshal(fields)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	doc, err := reg.Validate(typeID, 1, raw, testNow())
	if err != nil {
		t.Fatalf("Validate(%s) = %v", typeID, reg.Localize("en", err))
	}
	return doc
}

// sample is a realistic document with what its card must show.
type sample struct {
	name string
	lang string
	doc  vault.Fields
	meta Meta
	want []string // texts the card must show, as the citizen reads them
}

func testMeta(status string) Meta {
	return Meta{
		DocumentID:  "01JDX4M8Q2V7K3N9P5R6T8W0YZ",
		Status:      status,
		Issuer:      "МВД России",
		IssuedAt:    time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC),
		UpdatedAt:   time.Date(2026, 1, 15, 18, 45, 0, 0, time.UTC),
		VerifyURL:   "https://id.example.ru/verify/01JDX4M8Q2V7K3N9P5R6T8W0YZ?s=Qm9ndXNTaWduYXR1cmU",
		Signature:   testJWS,
		GeneratedAt: testNow(),
	}
}

// samples returns one document per language: a Kazakh holder's passport
// on a Kazakh card, a Russian driving licence and an English student card.
func samples(t testing.TB, reg *vault.Registry) []sample {
	t.Helper()
	student := testMeta(StatusExpired)
	student.Issuer = "Lomonosov Moscow State University"
	return []sample{{
		name: "kk passport",
		lang: "kk",
		doc: validDoc(t, reg, "passport_ru", map[string]any{
			"series": "4505", "number": "123456",
			"surname": "Нұрғалиева", "given_names": "Шаһизада", "patronymic": "Әбілқайырқызы",
			"sex": "F", "birth_date": "1985-03-14", "birth_place": "Қарағанды облысы, Үшқоңыр ауылы, Сәтбаев көшесі",
			"issue_date": "2005-04-01", "authority": "Жаңаөзен қалалық ішкі істер бөлімі",
			"division_code": "772-001",
		}),
		meta: testMeta(StatusValid),
		want: []string{"Ресей Федерациясы", "Нұрғалиева", "Шаһизада", "Әбілқайырқызы", "14.03.1985", "Әйел",
			"Үшқоңыр ауылы, Сәтбаев көшесі", "Жаңаөзен қалалық ішкі істер бөлімі", "Жарамды", "МВД России", "01JDX4M8Q2V7K3N9P5R6T8W0YZ"},
	}, {
		name: "ru driving licence",
		lang: "ru",
		doc: validDoc(t, reg, "driving_licence", map[string]any{
			"number": "7712345678", "surname": "Петров", "given_names": "Пётр", "patronymic": "Петрович",
			"birth_date": "1990-07-20", "birth_place": "г. Тверь", "issue_date": "2020-09-15",
			"expiry_date": "2030-09-15", "authority": "ГИБДД 7701", "residence_region": "г. Москва",
			"categories": []string{"B", "BE", "M"},
		}),
		meta: testMeta(StatusValid),
		want: []string{"Водительское удостоверение", "Петров", "20.07.1990", "15.09.2030",
			"B — автомобили до 3,5 т", "Категории", "Действителен", "Источник"},
	}, {
		name: "en student card",
		lang: "en",
		doc: validDoc(t, reg, "student_card", map[string]any{
			"number": "20-1234", "surname": "Сидоров", "given_names": "Иван", "patronymic": "Андреевич",
			"institution": "МГУ имени М. В. Ломоносова", "study_form": "full_time",
			"speciality": "01.03.02 Прикладная математика и информатика", "group": "ПМИ-201",
			"issue_date": "2024-09-01", "valid_until": "2028-08-31",
		}),
		meta: student,
		want: []string{"Student card", "Сидоров", "Full-time", "31.08.2028", "Expired",
			"Lomonosov Moscow State University", "Source"},
	}}
}

// hostileCard is a self-declared document whose values try to break out of
// the markup of every format.
func hostileCard(t testing.TB, reg *vault.Registry) (Card, []string) {
	t.Helper()
	values := []string{
		`<script>alert("x")</script> & 'Ромашка'`,
		`"]]><svg onload=alert(1)> &amp; <a href="https://evil.example/">`,
	}
	doc := validDoc(t, reg, "other", map[string]any{
		"title": values[0], "issuer": values[1], "issue_date": "2022-01-10", "text": "Абонемент.\n\nЗал №3.",
	})
	meta := testMeta(StatusValid)
	meta.SelfDeclared = true
	c, err := NewCard(reg, "ru", doc, meta)
	if err != nil {
		t.Fatalf("NewCard(other) = %v", err)
	}
	return c, values
}

// sampleCard returns a sample's card.
func sampleCard(t testing.TB, reg *vault.Registry, s sample) Card {
	t.Helper()
	c, err := NewCard(reg, s.lang, s.doc, s.meta)
	if err != nil {
		t.Fatalf("NewCard(%s) = %v", s.name, err)
	}
	return c
}

// largeFamily returns a card with 30 children: more rows than one page.
func largeFamily(t testing.TB, reg *vault.Registry) Card {
	t.Helper()
	var kids []map[string]any
	for i := range 30 {
		kids = append(kids, map[string]any{"name": "Қасымова Әйгерім Нұрланқызы", "birth_date": time.Date(2000+i%20, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)})
	}
	doc := validDoc(t, reg, "large_family_certificate", map[string]any{
		"number": "77-123456", "surname": "Қасымова", "given_names": "Гүлнар", "children": kids,
		"issue_date": "2021-03-01", "authority": "Департамент труда и социальной защиты населения города Москвы",
	})
	c, err := NewCard(reg, "kk", doc, testMeta(StatusRevoked))
	if err != nil {
		t.Fatalf("NewCard(large family) = %v", err)
	}
	return c
}
