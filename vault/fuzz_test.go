package vault

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
)

// FuzzValidate feeds arbitrary bytes to every type. Validate must not panic;
// a refusal must be a *digitalid.Error whose every field message resolves; an
// accepted document must be canonical (validating its own output gives the
// same fields) and every checked number in it must pass the reference check.
func FuzzValidate(f *testing.F) {
	r := newRegistry(f)
	types := r.Types()
	for i, typ := range types {
		data, err := os.ReadFile(filepath.Join("testdata", "valid", typ.ID()+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), data)
	}
	f.Add(uint8(11), []byte(`{"children":[{"name":"Ан","birth_date":"2020-02-29"},{},null],"title":"\u0000"}`))
	f.Add(uint8(0), []byte(`{"series":"45 05","series":"4505","x":[[[]]]}`))
	f.Fuzz(func(t *testing.T, idx uint8, raw []byte) {
		typ := types[int(idx)%len(types)]
		got, err := r.Validate(typ.ID(), typ.Version(), raw, testNow())
		if err != nil {
			var de *digitalid.Error
			if !errors.As(err, &de) || (de.Code != digitalid.EINVALID && de.Code != digitalid.ETOOLARGE) {
				t.Fatalf("Validate(%s, %q) = %v, want EINVALID or ETOOLARGE", typ.ID(), raw, err)
			}
			for _, fe := range de.Fields {
				if _, ok := r.msgs.lookup("kk", fe.Key); !ok {
					t.Fatalf("Validate(%s, %q): field %s key %q has no message", typ.ID(), raw, fe.Field, fe.Key)
				}
			}
			return
		}
		checkAccepted(t, typ, got)
		canon, mErr := json.Marshal(got.Values)
		if mErr != nil {
			t.Fatalf("json.Marshal(%v) = %v", got.Values, mErr)
		}
		again, err := r.Validate(typ.ID(), typ.Version(), canon, testNow())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("Validate(%s, canonical %s) = %v, %v; want the same fields", typ.ID(), canon, again.Values, err)
		}
	})
}

// FuzzValidateField puts an arbitrary string into one field of a valid
// example, which reaches the field checks far more often than arbitrary
// bytes do; the properties are those of FuzzValidate.
func FuzzValidateField(f *testing.F) {
	r := newRegistry(f)
	types := r.Types()
	f.Add(uint8(0), uint8(0), "45 05")
	f.Add(uint8(1), uint8(12), "P<RUSIVANOVA<<ANNA")
	f.Add(uint8(2), uint8(0), "77 ab 123456")
	f.Add(uint8(6), uint8(0), "ХІІ-MO")
	f.Add(uint8(0), uint8(2), "Римский - Корсаков")
	f.Add(uint8(11), uint8(6), "a\r\n\r\n\tb")
	examples := make(map[string][]byte)
	for _, typ := range types {
		examples[typ.ID()] = mustJSON(f, example(f, typ.ID()))
	}
	f.Fuzz(func(t *testing.T, ti, fi uint8, v string) {
		typ := types[int(ti)%len(types)]
		fields := typ.Fields()
		var doc map[string]any
		if err := json.Unmarshal(examples[typ.ID()], &doc); err != nil {
			t.Fatal(err)
		}
		doc[fields[int(fi)%len(fields)].Name] = v
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Validate(typ.ID(), typ.Version(), raw, testNow())
		if err != nil {
			return
		}
		checkAccepted(t, typ, got)
		canon, _ := json.Marshal(got.Values)
		if again, err := r.Validate(typ.ID(), typ.Version(), canon, testNow()); err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("Validate(%s, canonical %s) = %v, %v; want the same fields", typ.ID(), canon, again.Values, err)
		}
	})
}

// checkAccepted checks the numbers of an accepted document against the
// reference implementations.
func checkAccepted(t *testing.T, typ *DocType, got Fields) {
	t.Helper()
	for _, fd := range typ.Fields() {
		v := got.Text(fd.Name)
		if v == "" {
			continue
		}
		ok := true
		switch fd.Format {
		case FormatSNILS:
			n, _ := strconv.Atoi(v[:9])
			ok = len(v) == 11 && (n <= 1001998 || refSNILS(v[:9]) == v)
		case FormatINN:
			ok = len(v) == 12 && refINN(v[:10]) == v
		case FormatOMS:
			ok = len(v) == 16 && refOMS(v[:15]) == v
		}
		if !ok {
			t.Fatalf("Validate(%s) accepted %s = %q, which fails its check digits", typ.ID(), fd.Name, v)
		}
	}
}

// fuzzID is the body of the fuzz targets of the exported number parsers: no
// panic, and an accepted number is all digits of the right length, passes
// the reference check and parses again to itself.
func fuzzID(f *testing.F, parse func(string) (string, error), n int, ref func(string) bool, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parse(s)
		if err != nil {
			var de *digitalid.Error
			if !errors.As(err, &de) || de.Code != digitalid.EINVALID || len(de.Fields) != 1 {
				t.Fatalf("parse(%q) = %v, want an EINVALID field error", s, err)
			}
			return
		}
		if len(d) != n || strings.Trim(d, "0123456789") != "" || !ref(d) {
			t.Fatalf("parse(%q) = %q, which is not a valid number", s, d)
		}
		if again, err := parse(d); err != nil || again != d {
			t.Fatalf("parse(%q) = %q, %v; want it unchanged", d, again, err)
		}
	})
}

func FuzzSNILS(f *testing.F) {
	fuzzID(f, ParseSNILS, 11, func(d string) bool {
		n, _ := strconv.Atoi(d[:9])
		return n <= 1001998 || refSNILS(d[:9]) == d
	}, "112-233-445 95", "11223344596", "001-001-998 00", "000 000 000 00", "١١٢", "112-233-445\u00a095")
}

func FuzzINN(f *testing.F) {
	fuzzID(f, ParseINN, 12, func(d string) bool { return refINN(d[:10]) == d },
		"500100732259", "500100732258", "7707083893", " 5001-0073-2259 ")
}

func FuzzLegalINN(f *testing.F) {
	fuzzID(f, ParseLegalINN, 10, func(d string) bool { return refINN(d[:9]) == d },
		"7707083893", "7707083894", "500100732259")
}

func FuzzOMS(f *testing.F) {
	fuzzID(f, ParseOMS, 16, func(d string) bool { return refOMS(d[:15]) == d },
		"8451999122899990", "8451 9991 2289 9991", "0000000000000000", "ЕА 1234567890")
}

// FuzzMRZ checks that an accepted MRZ is two 44-character lines whose check
// digits agree with the test's own computation.
func FuzzMRZ(f *testing.F) {
	f.Add("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10")
	f.Add("P<RUSIVANOVA<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<<\n" + mrzLine2("751234567", "850314", "F", "310601"))
	f.Fuzz(func(t *testing.T, s string) {
		m, code := parseMRZ(s)
		if code != "" {
			return
		}
		l1, l2, ok := strings.Cut(m, "\n")
		if !ok || len(l1) != 44 || len(l2) != 44 {
			t.Fatalf("parseMRZ(%q) = %q, not two lines of 44", s, m)
		}
		if want := mrzLine2(l2[0:9], l2[13:19], l2[20:21], l2[21:27]); l2[9] != want[9] || l2[19] != want[19] || l2[27] != want[27] {
			t.Fatalf("parseMRZ(%q) accepted wrong check digits (want %s)", s, want)
		}
	})
}
