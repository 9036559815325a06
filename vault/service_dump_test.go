package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// validSNILS returns the SNILS whose first nine digits are nine, with its
// check number, by asking the vault's own parser.
func validSNILS(t *testing.T, nine string) string {
	t.Helper()
	for c := range 100 {
		s := fmt.Sprintf("%s%02d", nine, c)
		if d, err := vault.ParseSNILS(s); err == nil {
			return d
		}
	}
	t.Fatalf("no check number makes %s a SNILS", nine)
	return ""
}

type dumped struct {
	name string
	data []byte
}

// dbFiles returns the SQLite database file and its WAL and shared-memory
// files, byte for byte.
func dbFiles(t *testing.T, db *store.DB) []dumped {
	t.Helper()
	var seq int
	var name, path string
	if err := db.SQL().QueryRowContext(context.Background(), "PRAGMA database_list").Scan(&seq, &name, &path); err != nil || path == "" {
		t.Fatalf("PRAGMA database_list = %q, %v", path, err)
	}
	var out []dumped
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("read %s: %v", p, err)
		}
		out = append(out, dumped{p, b})
	}
	return out
}

// dumpTables returns every column of every row of every table, as the
// bytes the driver hands back (text as text, blobs as raw bytes).
func dumpTables(t *testing.T, db *store.DB) []dumped {
	t.Helper()
	ctx := context.Background()
	list := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Dialect() == store.Postgres {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.SQL().QueryContext(ctx, list)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("list tables: %v", err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found only tables %q", tables)
	}
	var out []dumped
	for _, table := range tables {
		var buf bytes.Buffer
		rows, err := db.SQL().QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					buf.Write(v)
				case string:
					buf.WriteString(v)
				default:
					fmt.Fprint(&buf, v)
				}
				buf.WriteByte(0)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		rows.Close()
		out = append(out, dumped{"table " + table, buf.Bytes()})
	}
	return out
}

func containsBytes(haystack, needle []byte) bool { return bytes.Contains(haystack, needle) }

// TestNoPlaintextPersonalData stores a citizen's passport (from an issuer,
// with a signature over it and the passport number as the issuer's
// reference and in the idempotency key) and SNILS (self-declared, with a
// scan), reads them in every way, then dumps the whole database — every
// column of every table, and for SQLite the database, WAL and shared-memory
// files — and the service's log, and finds none of the personal values.
func TestNoPlaintextPersonalData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice := e.citizen(t, "c_alice")
		const surname, given, birth, series, number = "Шумахерова", "Эльвира", "1979-06-23", "4516", "739218"
		snils := validSNILS(t, "987654321")
		person := map[string]any{"surname": surname, "given_names": given, "birth_date": birth}
		passport := example(t, "passport_ru", merge(person, map[string]any{"series": series, "number": number}))
		sig := jws(passport)
		d, _, err := e.svc.UpsertFromIssuer(ctx, "iss_mvd", alice, "passport_ru", passport, sig, series+" "+number, "idem-"+number)
		if err != nil {
			t.Fatalf("UpsertFromIssuer = %v", err)
		}
		s, err := e.svc.AddSelfDeclared(ctx, alice, "snils", example(t, "snils", merge(person, map[string]any{"number": snils})),
			[]vault.Upload{{Name: surname + ".png", Content: pngBytes(t, 4, 4)}})
		if err != nil {
			t.Fatalf("AddSelfDeclared = %v", err)
		}
		if _, err := e.svc.Get(ctx, alice, s.ID); err != nil {
			t.Fatalf("Get = %v", err)
		}
		if _, err := e.svc.ReadForParty(ctx, audit.Actor{Type: audit.ActorRelyingParty, ID: "rp_bank"}, alice, d.ID, "kyc"); err != nil {
			t.Fatalf("ReadForParty = %v", err)
		}
		if b, ok, err := e.svc.ConfirmedIdentity(ctx, alice); err != nil || !ok || b.Format("2006-01-02") != birth {
			t.Fatalf("ConfirmedIdentity = %v, %v, %v; want %s", b, ok, err, birth)
		}
		if _, err := e.svc.RevokeFromIssuer(ctx, "iss_mvd", series+" "+number); err != nil {
			t.Fatalf("RevokeFromIssuer = %v", err)
		}
		if _, err := e.svc.List(ctx, alice); err != nil {
			t.Fatalf("List = %v", err)
		}

		needles := map[string]string{
			"surname": surname, "given names": given, "birth date": birth, "birth date (compact)": strings.ReplaceAll(birth, "-", ""),
			"SNILS": snils, "SNILS as printed": vault.DisplaySNILS(snils), "passport number": number,
			"passport series and number": series + number, "signed payload": base64.RawURLEncoding.EncodeToString(passport),
			"signature": sig[strings.LastIndexByte(sig, '.')+1:],
		}
		haystacks := append(dumpTables(t, db), dumped{"service log", e.logBuf.Bytes()})
		if db.Dialect() == store.SQLite {
			haystacks = append(haystacks, dbFiles(t, db)...)
		}
		// The dump must hold the documents at all, or finding nothing proves nothing.
		var all []byte
		for _, h := range haystacks {
			all = append(all, h.data...)
		}
		if !containsBytes(all, []byte(d.ID)) || !containsBytes(all, []byte("passport_ru")) {
			t.Fatalf("the dump does not even hold the document's id and type")
		}
		for what, v := range needles {
			for _, h := range haystacks {
				if containsBytes(h.data, []byte(v)) {
					t.Errorf("%s holds the %s %q", h.name, what, v)
				}
			}
		}
	})
}

func merge(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}
