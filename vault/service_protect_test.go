package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// exec runs a statement written with ? placeholders on either database.
func exec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	if db.Dialect() == store.Postgres {
		n := 0
		out := make([]byte, 0, len(query)+8)
		for i := 0; i < len(query); i++ {
			if query[i] == '?' {
				n++
				out = append(out, '$', byte('0'+n))
				continue
			}
			out = append(out, query[i])
		}
		query = string(out)
	}
	if _, err := db.SQL().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func wantTampered(t *testing.T, call string, err error) {
	t.Helper()
	if digitalid.ErrorCode(err) != digitalid.EINTERNAL || !errors.Is(err, vault.ErrTampered) {
		t.Errorf("%s = %v, want EINTERNAL caused by ErrTampered", call, err)
	}
}

// TestTamper moves ciphertexts between rows and edits metadata under them:
// every such change makes the read fail instead of showing the wrong data.
func TestTamper(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice, bob := e.citizen(t, "c_alice"), e.citizen(t, "c_bob")
		add := func(citizen, typeID string, edits map[string]any) vault.Document {
			t.Helper()
			d, err := e.svc.AddSelfDeclared(ctx, citizen, typeID, example(t, typeID, edits),
				[]vault.Upload{{Name: "a.png", Content: pngBytes(t, 2, 2)}, {Name: "b.png", Content: pngBytes(t, 3, 3)}})
			if err != nil {
				t.Fatalf("AddSelfDeclared(%s) = %v", typeID, err)
			}
			return d
		}
		a1 := add(alice, "snils", nil)
		a2 := add(alice, "snils", map[string]any{"surname": "Петрова"})
		b1 := add(bob, "snils", nil)
		st := add(alice, "student_card", nil)
		pp := add(alice, "passport_ru", nil)
		for _, d := range []vault.Document{a1, a2, b1, st, pp} {
			if _, err := e.svc.Get(ctx, d.CitizenID, d.ID); err != nil {
				t.Fatalf("Get(%s) before tampering = %v", d.ID, err)
			}
		}

		swap := func(table, column, id1, id2 string) {
			exec(t, db, "UPDATE "+table+" SET "+column+" = (SELECT "+column+" FROM "+table+" WHERE id = ?) WHERE id = ?", id2, id1)
		}
		// The same citizen, the same type: only the record id tells them apart.
		swap("vault_documents", "sealed", a1.ID, a2.ID)
		_, err := e.svc.Get(ctx, alice, a1.ID)
		wantTampered(t, "Get(document with another row's ciphertext)", err)
		// Another citizen's ciphertext (under another data key).
		swap("vault_documents", "sealed", a2.ID, b1.ID)
		_, err = e.svc.Get(ctx, alice, a2.ID)
		wantTampered(t, "Get(document with another citizen's ciphertext)", err)

		// A scan's content and name moved between two files of one document.
		swap("vault_files", "content_sealed", a1.Files[0].ID, a1.Files[1].ID)
		_, err = e.svc.File(ctx, alice, a1.ID, a1.Files[0].ID)
		wantTampered(t, "File(with another file's content)", err)
		swap("vault_files", "name_sealed", b1.Files[0].ID, b1.Files[1].ID)
		_, err = e.svc.Get(ctx, bob, b1.ID)
		wantTampered(t, "Get(file with another file's name)", err)

		// Metadata edited under a ciphertext: a self-declared document passed
		// off as an issuer's, a document moved to another citizen, an expiry
		// moved.
		exec(t, db, "UPDATE vault_documents SET source = 'issuer', issuer_id = 'iss_fake', issuer_ref = ? WHERE id = ?", []byte("x"), pp.ID)
		_, err = e.svc.Get(ctx, alice, pp.ID)
		wantTampered(t, "Get(source changed to issuer)", err)
		if _, ok, err := e.svc.ConfirmedIdentity(ctx, alice); ok || !errors.Is(err, vault.ErrTampered) {
			t.Errorf("ConfirmedIdentity(self-declared passport passed off as issued) = %v, %v; want not ok, ErrTampered", ok, err)
		}
		exec(t, db, "UPDATE vault_documents SET expires_on = '2099-01-01' WHERE id = ?", st.ID)
		_, err = e.svc.Get(ctx, alice, st.ID)
		wantTampered(t, "Get(expiry changed)", err)
		exec(t, db, "UPDATE vault_documents SET citizen_id = ? WHERE id = ?", alice, b1.ID)
		_, err = e.svc.Get(ctx, alice, b1.ID)
		wantTampered(t, "Get(document moved to another citizen)", err)
	})
}

// TestShred checks that after ShredCitizen nothing of the citizen can be
// read, every read says why, no new key is made, and (SQLite) the wrapped
// key's bytes are gone from the database file and its WAL.
func TestShred(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, vault.Options{})
		alice, bob := e.citizen(t, "c_alice"), e.citizen(t, "c_bob")
		d, err := e.svc.AddSelfDeclared(ctx, alice, "snils", example(t, "snils", nil), []vault.Upload{{Name: "a.png", Content: pngBytes(t, 2, 2)}})
		if err != nil {
			t.Fatalf("AddSelfDeclared = %v", err)
		}
		keep, err := e.svc.AddSelfDeclared(ctx, bob, "snils", example(t, "snils", nil), nil)
		if err != nil {
			t.Fatalf("AddSelfDeclared(bob) = %v", err)
		}
		k, err := db.CitizenKey(ctx, alice)
		if err != nil {
			t.Fatalf("CitizenKey = %v", err)
		}
		if err := e.svc.ShredCitizen(ctx, alice); err != nil {
			t.Fatalf("ShredCitizen = %v", err)
		}
		gone := func(call string, err error) {
			t.Helper()
			if digitalid.ErrorCode(err) != digitalid.ENOTFOUND || !errors.Is(err, vault.ErrShredded) {
				t.Errorf("%s after ShredCitizen = %v, want ENOTFOUND caused by ErrShredded", call, err)
			}
		}
		_, err = e.svc.Get(ctx, alice, d.ID)
		gone("Get", err)
		_, err = e.svc.List(ctx, alice)
		gone("List", err)
		_, err = e.svc.File(ctx, alice, d.ID, d.Files[0].ID)
		gone("File", err)
		_, err = e.svc.AddSelfDeclared(ctx, alice, "snils", example(t, "snils", nil), nil)
		gone("AddSelfDeclared", err)
		raw := example(t, "snils", nil)
		_, _, err = e.svc.UpsertFromIssuer(ctx, "iss_pfr", alice, "snils", raw, jws(raw), "r", "k")
		gone("UpsertFromIssuer", err)
		if _, err := e.svc.Get(ctx, bob, keep.ID); err != nil {
			t.Errorf("Get(bob) after shredding alice = %v, want bob untouched", err)
		}
		if got := actions(e.events(t, alice)); len(got) != 2 || got[1] != "documents.shredded" {
			t.Errorf("audit of alice = %q, want created, vault.shredded", got)
		}
		if db.Dialect() == store.SQLite {
			for _, f := range dbFiles(t, db) {
				if containsBytes(f.data, k.Wrapped.Ciphertext) {
					t.Errorf("%s still holds the shredded wrapped key", f.name)
				}
			}
		}
	})
}
