package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
	"github.com/digitalid/digitalid/vault"
)

// importPNG is a w×h PNG whose pixels depend on seed.
func importPNG(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x) + seed, G: uint8(y), B: seed, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// importClaim adds photo_sha256 = hex SHA-256 of photo to the fields JSON.
func importClaim(t testing.TB, fields, photo []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fields, &m); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(photo)
	m[issuer.PhotoClaim] = hex.EncodeToString(sum[:])
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImportPhoto: an import line carries a passport portrait as the API's
// push does; a repeat keeps it, a line without it removes it, and a bad
// photo is that line's error with nothing stored, on both databases.
func TestImportPhoto(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { importPhoto(t, nil) })
	t.Run("postgres", func(t *testing.T) { importPhoto(t, []string{"--db", testenv.PostgresDSN(t)}) })
}

func importPhoto(t *testing.T, dbArgs []string) {
	ctx := context.Background()
	dir := t.TempDir()
	args := append([]string{"--data-dir", dir}, dbArgs...)
	a := testApp(t, nil, args...)
	key := issuertest.NewKey(t, "mvd-1")
	if _, err := a.issuers.Add(ctx, "op", issuer.Issuer{ID: "mvd", Name: "MVD", AllowedTypes: []string{"passport_ru"}, PublicKeys: key.JWKS()}); err != nil {
		t.Fatal(err)
	}
	const phone, phone2 = "+79161234567", "+79161234568"
	cz, err := a.accounts.Citizens.Create(ctx, phone, "ru")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.accounts.Citizens.Create(ctx, phone2, "ru"); err != nil {
		t.Fatal(err)
	}
	passport, err := os.ReadFile("../../vault/testdata/valid/passport_ru.json")
	if err != nil {
		t.Fatal(err)
	}
	line := func(ref, who, idem string, fields []byte, photo string) string {
		b, err := json.Marshal(importLine{Ref: ref, Citizen: issuer.CitizenRef{Phone: who}, Type: "passport_ru",
			Document: key.Sign(t, fields), IdempotencyKey: idem, Photo: photo})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	run := func(lines ...string) (int, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := runImport(ctx, env{strings.NewReader(strings.Join(lines, "\n") + "\n"), &out, &errb, func(string) string { return "" }},
			append([]string{"-", "--issuer", "mvd", "--workers", "2"}, args...))
		return code, out.String() + errb.String()
	}
	// portrait reads the citizen's portrait as Show ID does (from the
	// confirmed passport); ENOTFOUND gives nil.
	portrait := func() []byte {
		t.Helper()
		b, _, err := a.credentials.Portrait(ctx, cz.ID)
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return nil
		}
		if err != nil {
			t.Fatalf("Portrait: %v", err)
		}
		return b
	}
	// state is the citizen's passport: its name and number of files.
	state := func() string {
		t.Helper()
		docs, err := a.vault.List(ctx, cz.ID)
		if err != nil || len(docs) != 1 {
			t.Fatalf("List = %d documents, %v; want 1", len(docs), err)
		}
		d, err := a.vault.Get(ctx, cz.ID, docs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s/%d files", d.Fields.Text("given_names"), len(d.Files))
	}

	photo := importPNG(t, 24, 30, 1)
	b64 := base64.StdEncoding.EncodeToString(photo)
	withPhoto := line("P-1", phone, "k1", importClaim(t, passport, photo), b64)
	if code, out := run(withPhoto); code != 0 || !strings.Contains(out, "1 lines: 1 accepted") {
		t.Fatalf("import of a passport with a photo = %d %q", code, out)
	}
	first := portrait()
	if cfg, err := png.DecodeConfig(bytes.NewReader(first)); err != nil || cfg.Width != 24 || cfg.Height != 30 {
		t.Fatalf("stored portrait = %v %v, want a 24x30 PNG", cfg, err)
	}
	before := state()
	// The same line again, and the same photo under another key: kept.
	if code, out := run(withPhoto, line("P-1", phone, "k2", importClaim(t, passport, photo), b64)); code != 0 || !strings.Contains(out, "2 lines: 2 accepted") {
		t.Fatalf("re-import with the photo = %d %q", code, out)
	}
	if got := portrait(); !bytes.Equal(got, first) || state() != before {
		t.Errorf("re-import with the photo changed the portrait (%d bytes, %s; was %d, %s)", len(got), state(), len(first), before)
	}
	// A line without a photo is the whole document: the portrait goes.
	if code, out := run(line("P-1", phone, "k3", passport, "")); code != 0 || !strings.Contains(out, "1 lines: 1 accepted") {
		t.Fatalf("re-import without the photo = %d %q", code, out)
	}
	if got := portrait(); got != nil {
		t.Errorf("portrait after a re-import without it = %d bytes, want none", len(got))
	}
	// Back, then refused lines change nothing (another name would show).
	if code, out := run(line("P-1", phone, "k4", importClaim(t, passport, photo), b64)); code != 0 {
		t.Fatalf("import with the photo again = %d %q", code, out)
	}
	before, first = state(), portrait()
	other := bytes.Replace(passport, []byte("Анна"), []byte("Мария"), 1)
	notImage := []byte("GIF89a not a portrait")
	big := append(append([]byte(nil), photo...), make([]byte, vault.MaxPhotoSize)...)
	tooLong := `{"ref":"P-1","citizen":{"phone":"` + phone + `"},"type":"passport_ru","photo":"` + strings.Repeat("A", importMaxLine) + `"}`
	// The largest photo allowed, a PNG padded to vault.MaxPhotoSize bytes,
	// fits in a line.
	largest := append(append([]byte(nil), photo...), make([]byte, vault.MaxPhotoSize-len(photo))...)
	code, out := run(
		line("P-1", phone, "k5", importClaim(t, other, notImage), b64),
		line("P-1", phone, "k6", importClaim(t, other, big), base64.StdEncoding.EncodeToString(big)),
		line("P-1", phone, "k7", importClaim(t, other, notImage), base64.StdEncoding.EncodeToString(notImage)),
		line("P-1", phone, "k8", importClaim(t, other, photo), "%%%"),
		tooLong,
		line("P-1", phone, "k9", other, b64),
		line("P-2", phone2, "k10", importClaim(t, passport, largest), base64.StdEncoding.EncodeToString(largest)),
	)
	for _, want := range []string{"7 lines: 1 accepted, 6 rejected",
		"line 1: invalid:photo:mismatch", "line 2: invalid:photo:file_too_big", "line 3: invalid:photo:file_type",
		"line 4: invalid:photo:base64", "line 5: line_too_long: the line is longer than", "line 6: invalid:photo:unsigned"} {
		if !strings.Contains(out, want) {
			t.Errorf("import of refused lines lacks %q:\n%s", want, out)
		}
	}
	if code != 1 || strings.Contains(out, "line 7:") {
		t.Errorf("import of refused lines = %d, want 1 with line 7 accepted:\n%s", code, out)
	}
	if after := state(); after != before || !bytes.Equal(portrait(), first) {
		t.Errorf("refused lines changed the passport: %s, then %s", before, after)
	}
}

// TestReadImportLine: lines up to importMaxLine bytes are read whole, a
// longer one is dropped to its end and the next line read as usual.
func TestReadImportLine(t *testing.T) {
	if max := base64.StdEncoding.EncodedLen(vault.MaxPhotoSize) + 96<<10; importMaxLine < max {
		t.Fatalf("importMaxLine = %d, less than a line with the largest photo and document (%d)", importMaxLine, max)
	}
	exact := strings.Repeat("a", importMaxLine)
	in := exact + "\n" + strings.Repeat("b", importMaxLine+1) + "\r\nshort\r\n" + strings.Repeat("c", 3*importMaxLine) + "\nlast"
	r := bufio.NewReaderSize(strings.NewReader(in), importMaxLine+1)
	type got struct {
		line    string
		tooLong bool
	}
	want := []got{{exact, false}, {"", true}, {"short", false}, {"", true}, {"last", false}}
	for i, w := range want {
		line, long, err := readImportLine(r)
		if err != nil || strings.TrimSpace(string(line)) != w.line || long != w.tooLong {
			t.Fatalf("line %d = %.20q (%d bytes) %v %v, want %.20q %v", i+1, line, len(line), long, err, w.line, w.tooLong)
		}
	}
	if _, _, err := readImportLine(r); err != io.EOF {
		t.Errorf("after the last line: %v, want EOF", err)
	}
	r = bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", importMaxLine+5)), importMaxLine+1)
	if _, long, err := readImportLine(r); !long || err != nil {
		t.Errorf("an over-long last line = %v %v, want too long", long, err)
	}
	if _, _, err := readImportLine(r); err != io.EOF {
		t.Errorf("after an over-long last line: %v, want EOF", err)
	}
}

// FuzzImportLine: the line decoder takes any bytes without panicking, and
// a line it accepts carries what it says, the photo decoded.
func FuzzImportLine(f *testing.F) {
	photo := importPNG(f, 4, 4, 1)
	for _, s := range []string{
		"", "   ", "{not json", "null", "[]", `{"ref":1}`,
		`{"ref":"P-1","citizen":{"phone":"+79161234567"},"type":"passport_ru","document":"a.b.c","idempotency_key":"k"}`,
		`{"ref":"P-1","citizen":{"snils":"112-233-445 95"},"type":"passport_ru","document":"a.b.c","idempotency_key":"k","photo":"` + base64.StdEncoding.EncodeToString(photo) + `"}`,
		`{"ref":"P-1","type":"passport_ru","photo":"%%%"}`,
		`{"ref":"P-1","type":"passport_ru","photo":"QUJD"}`,
		`{"ref":"P-1","type":"passport_ru","photo":"QUJ"}`,
		`{"ref":"P-1","type":"passport_ru","photo":"QUJD\n"}`,
		`{"ref":"P-1","type":"passport_ru","photo":""}`,
		`{"ref":"P-1","type":"passport_ru","photo":null}`,
		`{"ref":"P-1","type":"passport_ru","photo":123}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, reason, msg := decodeImportLine(raw)
		if reason != "" {
			if msg == "" || p.Ref != "" || p.Photo != nil {
				t.Fatalf("refused line %q: %q %q with push %+v", raw, reason, msg, p)
			}
			return
		}
		var l importLine
		if err := json.Unmarshal(bytes.TrimSpace(raw), &l); err != nil {
			t.Fatalf("accepted line %q does not decode: %v", raw, err)
		}
		if len(p.Photo) > len(l.Photo) || (l.Photo == "") != (p.Photo == nil) || p.Ref != l.Ref || p.Document != l.Document || p.Citizen != l.Citizen {
			t.Fatalf("line %q decoded as %+v", raw, p)
		}
	})
}
