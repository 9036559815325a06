package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/vault"
)

// vaultT0 is when the vault store tests happen (with microseconds, to check
// that times survive the round trip).
var vaultT0 = time.Date(2026, 11, 22, 11, 0, 0, 654321000, time.UTC)

// Vault exercises every vault store method on db: data keys and shredding,
// documents and scans, revisions, idempotency records and counts. Sealed
// columns are opaque bytes here; the vault package tests the sealing.
func Vault(t *testing.T, db *store.DB) {
	t.Run("citizen keys", func(t *testing.T) { vaultKeys(t, db) })
	t.Run("documents", func(t *testing.T) { vaultDocuments(t, db) })
	t.Run("update", func(t *testing.T) { vaultUpdate(t, db) })
	t.Run("replace files", func(t *testing.T) { vaultReplaceFiles(t, db) })
	t.Run("idempotency", func(t *testing.T) { vaultIdempotency(t, db) })
	t.Run("counts", func(t *testing.T) { vaultCounts(t, db) })
	t.Run("shred", func(t *testing.T) { vaultShred(t, db) })
}

// VaultCitizen inserts a minimal citizen row with raw SQL, so vault tests do
// not depend on the account package's API.
func VaultCitizen(t testing.TB, db *store.DB, id string) {
	t.Helper()
	_, err := db.SQL().ExecContext(context.Background(), fmt.Sprintf(`INSERT INTO account_citizens
		(id, phone_key, phone_sealed, lang, assurance, status, created_at)
		VALUES ('%[1]s', 'pk-%[1]s', 'ps-%[1]s', 'ru', 'basic', 'active', '2026-11-22T10:00:00.000000Z')`, id))
	if err != nil {
		t.Fatalf("insert citizen %s: %v", id, err)
	}
}

// vaultKey stores a citizen with a data key whose wrapped bytes derive from id.
func vaultKey(t *testing.T, db *store.DB, id string) vault.CitizenKey {
	t.Helper()
	VaultCitizen(t, db, id)
	k := vault.CitizenKey{CitizenID: id, Wrapped: keys.Wrapped{KeyID: "wrap-" + id, Ciphertext: []byte("wrapped-" + id)}, CreatedAt: vaultT0}
	// The keys table must know the wrapping key id.
	_, err := db.SQL().ExecContext(context.Background(), fmt.Sprintf(`INSERT INTO keys (id, purpose, alg, backend, state, created_at, retired_at)
		VALUES ('wrap-%s', 'wrap', 'A256GCM', 'file', 'retired', '2026-01-01T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z')`, id))
	if err != nil {
		t.Fatalf("insert wrapping key: %v", err)
	}
	got, err := db.CreateCitizenKey(context.Background(), k)
	if err != nil || !equalKey(got, k) {
		t.Fatalf("CreateCitizenKey(%s) = %+v, %v; want %+v", id, got, err, k)
	}
	return k
}

func equalKey(a, b vault.CitizenKey) bool {
	return a.CitizenID == b.CitizenID && a.Wrapped.KeyID == b.Wrapped.KeyID && bytes.Equal(a.Wrapped.Ciphertext, b.Wrapped.Ciphertext) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ShreddedAt.Equal(b.ShreddedAt)
}

func vaultKeys(t *testing.T, db *store.DB) {
	ctx := context.Background()
	_, err := db.CitizenKey(ctx, "c_nokey")
	wantErrCode(t, "CitizenKey(none)", err, digitalid.ENOTFOUND)
	_, err = db.CreateCitizenKey(ctx, vault.CitizenKey{CitizenID: "c_nobody", Wrapped: keys.Wrapped{KeyID: "k", Ciphertext: []byte{1}}, CreatedAt: vaultT0})
	wantErrCode(t, "CreateCitizenKey(unknown citizen)", err, digitalid.ENOTFOUND)

	k := vaultKey(t, db, "c_keys")
	if got, err := db.CitizenKey(ctx, k.CitizenID); err != nil || !equalKey(got, k) {
		t.Errorf("CitizenKey = %+v, %v; want %+v", got, err, k)
	}
	second := k
	second.Wrapped.Ciphertext = []byte("another")
	if got, err := db.CreateCitizenKey(ctx, second); err != nil || !equalKey(got, k) {
		t.Errorf("CreateCitizenKey(second) = %+v, %v; want the first %+v", got, err, k)
	}
}

// vaultDoc returns a document record with two scans for citizen.
func vaultDoc(citizen, id string, source vault.Source, issuer string) vault.DocumentRecord {
	d := vault.DocumentRecord{ID: id, CitizenID: citizen, TypeID: "passport_international", Version: 1, Source: source,
		ExpiresOn: "2030-01-31", Sealed: []byte("sealed-" + id), Revision: 1, CreatedAt: vaultT0, UpdatedAt: vaultT0}
	if source == vault.SourceIssuer {
		d.IssuerID, d.IssuerRef = issuer, []byte("ref-"+id)
		return d
	}
	for i := range 2 {
		d.Files = append(d.Files, vault.FileRecord{ID: fmt.Sprintf("%s-f%d", id, i), DocumentID: id, CitizenID: citizen, Seq: i,
			MediaType: vault.MediaPNG, Size: int64(100 + i), NameSealed: []byte{byte(i), 'n'}, ContentSealed: []byte{byte(i), 'c', 0xff},
			CreatedAt: vaultT0})
	}
	return d
}

func mustInsertDoc(t *testing.T, db *store.DB, d vault.DocumentRecord, idem *vault.IdempotencyRecord) {
	t.Helper()
	if err := db.InsertDocument(context.Background(), d, idem); err != nil {
		t.Fatalf("InsertDocument(%s) = %v", d.ID, err)
	}
}

// equalDoc compares documents, their scans' metadata and (when sealed) the
// sealed columns; contents of scans are never part of a document read.
func equalDoc(a, b vault.DocumentRecord, sealed bool) bool {
	if a.ID != b.ID || a.CitizenID != b.CitizenID || a.TypeID != b.TypeID || a.Version != b.Version || a.Source != b.Source ||
		a.IssuerID != b.IssuerID || !bytes.Equal(a.IssuerRef, b.IssuerRef) || a.ExpiresOn != b.ExpiresOn || a.Revision != b.Revision ||
		!a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) || !a.RevokedAt.Equal(b.RevokedAt) ||
		len(a.Files) != len(b.Files) || (sealed && !bytes.Equal(a.Sealed, b.Sealed)) || (!sealed && a.Sealed != nil) {
		return false
	}
	for i, f := range a.Files {
		g := b.Files[i]
		if f.ID != g.ID || f.DocumentID != g.DocumentID || f.Seq != g.Seq || f.MediaType != g.MediaType || f.Size != g.Size ||
			!f.CreatedAt.Equal(g.CreatedAt) || f.ContentSealed != nil || (sealed && !bytes.Equal(f.NameSealed, g.NameSealed)) {
			return false
		}
	}
	return true
}

func vaultDocuments(t *testing.T, db *store.DB) {
	ctx := context.Background()
	alice, bob := vaultKey(t, db, "c_docs_a").CitizenID, vaultKey(t, db, "c_docs_b").CitizenID
	VaultCitizen(t, db, "c_docs_nokey")
	self := vaultDoc(alice, "d_self", vault.SourceSelf, "")
	issued := vaultDoc(alice, "d_issued", vault.SourceIssuer, "iss_mvd")
	mustInsertDoc(t, db, self, nil)
	mustInsertDoc(t, db, issued, nil)

	for name, d := range map[string]vault.DocumentRecord{
		"same id": vaultDoc(bob, "d_self", vault.SourceSelf, ""),
		"same reference": func() vault.DocumentRecord {
			d := vaultDoc(bob, "d_other", vault.SourceIssuer, "iss_mvd")
			d.IssuerRef = issued.IssuerRef
			return d
		}(),
		"same file id": func() vault.DocumentRecord {
			d := vaultDoc(bob, "d_f", vault.SourceSelf, "")
			d.Files[0].ID = self.Files[0].ID
			return d
		}(),
	} {
		wantErrCode(t, "InsertDocument("+name+")", db.InsertDocument(ctx, d, nil), digitalid.ECONFLICT)
	}
	wantErrCode(t, "InsertDocument(citizen without key)", db.InsertDocument(ctx, vaultDoc("c_docs_nokey", "d_nokey", vault.SourceSelf, ""), nil), digitalid.ENOTFOUND)
	if _, err := db.Document(ctx, bob, "d_f"); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("Document(d_f) after a failed insert = %v, want ENOTFOUND: the insert must roll back whole", err)
	}

	for _, want := range []vault.DocumentRecord{self, issued} {
		if got, err := db.Document(ctx, alice, want.ID); err != nil || !equalDoc(got, want, true) {
			t.Errorf("Document(%s) = %+v, %v; want %+v", want.ID, got, err, want)
		}
		_, err := db.Document(ctx, bob, want.ID)
		wantErrCode(t, "Document(bob, alice's "+want.ID+")", err, digitalid.ENOTFOUND)
	}
	if got, err := db.DocumentByIssuerRef(ctx, "iss_mvd", issued.IssuerRef); err != nil || !equalDoc(got, issued, true) {
		t.Errorf("DocumentByIssuerRef = %+v, %v; want %+v", got, err, issued)
	}
	_, err := db.DocumentByIssuerRef(ctx, "iss_fns", issued.IssuerRef)
	wantErrCode(t, "DocumentByIssuerRef(other issuer)", err, digitalid.ENOTFOUND)

	list, err := db.ListDocuments(ctx, alice)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListDocuments(alice) = %d documents, %v; want 2", len(list), err)
	}
	for i, want := range []vault.DocumentRecord{issued, self} { // same time: by id
		want.Sealed, want.Files = nil, slices.Clone(want.Files)
		for j := range want.Files {
			want.Files[j].NameSealed = nil
		}
		if !equalDoc(list[i], want, false) {
			t.Errorf("ListDocuments(alice)[%d] = %+v, want %+v without sealed columns", i, list[i], want)
		}
	}
	if list, err := db.ListDocuments(ctx, "c_unknown"); err != nil || len(list) != 0 {
		t.Errorf("ListDocuments(unknown) = %v, %v; want none", list, err)
	}

	f, err := db.File(ctx, alice, self.ID, self.Files[1].ID)
	if err != nil || !bytes.Equal(f.ContentSealed, self.Files[1].ContentSealed) || !bytes.Equal(f.NameSealed, self.Files[1].NameSealed) || f.Size != 101 {
		t.Errorf("File = %+v, %v; want %+v", f, err, self.Files[1])
	}
	for name, ids := range map[string][3]string{
		"other citizen":  {bob, self.ID, self.Files[1].ID},
		"other document": {alice, issued.ID, self.Files[1].ID},
		"unknown":        {alice, self.ID, "nope"},
	} {
		_, err := db.File(ctx, ids[0], ids[1], ids[2])
		wantErrCode(t, "File("+name+")", err, digitalid.ENOTFOUND)
	}

	wantErrCode(t, "DeleteDocument(issuer's)", db.DeleteDocument(ctx, alice, issued.ID), digitalid.ENOTFOUND)
	wantErrCode(t, "DeleteDocument(bob, alice's)", db.DeleteDocument(ctx, bob, self.ID), digitalid.ENOTFOUND)
	if err := db.DeleteDocument(ctx, alice, self.ID); err != nil {
		t.Fatalf("DeleteDocument(self) = %v", err)
	}
	_, err = db.File(ctx, alice, self.ID, self.Files[0].ID)
	wantErrCode(t, "File after DeleteDocument", err, digitalid.ENOTFOUND)
	if got := countRows(t, db, "vault_files WHERE document_id = 'd_self'"); got != 0 {
		t.Errorf("files of a deleted document = %d, want 0", got)
	}
}

func countRows(t *testing.T, db *store.DB, from string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+from).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", from, err)
	}
	return n
}

func vaultUpdate(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := vaultKey(t, db, "c_update").CitizenID
	d := vaultDoc(c, "d_update", vault.SourceIssuer, "iss_mvd")
	mustInsertDoc(t, db, d, nil)
	next := d
	next.Version, next.ExpiresOn, next.Sealed, next.Revision = 2, "", []byte("sealed-2"), 2
	next.UpdatedAt, next.RevokedAt = vaultT0.Add(time.Hour), vaultT0.Add(time.Hour)
	if err := db.UpdateDocument(ctx, next, 1, nil); err != nil {
		t.Fatalf("UpdateDocument = %v", err)
	}
	if got, err := db.Document(ctx, c, d.ID); err != nil || !equalDoc(got, next, true) {
		t.Errorf("Document after update = %+v, %v; want %+v", got, err, next)
	}
	stale := next
	stale.Revision = 3
	wantErrCode(t, "UpdateDocument(stale revision)", db.UpdateDocument(ctx, stale, 1, nil), digitalid.ECONFLICT)
	stale.ID = "d_none"
	wantErrCode(t, "UpdateDocument(unknown)", db.UpdateDocument(ctx, stale, 2, nil), digitalid.ENOTFOUND)
}

// vaultReplaceFiles: UpdateDocument keeps the scans unless ReplaceFiles,
// then replaces them all (none when Files is empty), in its transaction.
func vaultReplaceFiles(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := vaultKey(t, db, "c_replace").CitizenID
	d := vaultDoc(c, "d_replace", vault.SourceIssuer, "iss_mvd")
	d.Files = vaultDoc(c, "d_replace", vault.SourceSelf, "").Files
	mustInsertDoc(t, db, d, nil)
	fileIDs := func() []string {
		t.Helper()
		got, err := db.Document(ctx, c, d.ID)
		if err != nil {
			t.Fatalf("Document = %v", err)
		}
		var ids []string
		for _, f := range got.Files {
			ids = append(ids, f.ID)
		}
		return ids
	}
	next := d
	next.Files, next.Revision, next.Sealed = nil, 2, []byte("sealed-2")
	if err := db.UpdateDocument(ctx, next, 1, nil); err != nil {
		t.Fatalf("UpdateDocument(keep files) = %v", err)
	}
	if ids := fileIDs(); len(ids) != 2 {
		t.Errorf("files after an update without ReplaceFiles = %v, want both kept", ids)
	}
	photo := vault.FileRecord{ID: "d_replace-photo", DocumentID: d.ID, CitizenID: c, MediaType: vault.MediaJPEG, Size: 7,
		NameSealed: []byte("n"), ContentSealed: []byte("photo"), CreatedAt: vaultT0}
	stale := next
	stale.Revision, stale.Files, stale.ReplaceFiles = 3, []vault.FileRecord{photo}, true
	wantErrCode(t, "UpdateDocument(stale, replace files)", db.UpdateDocument(ctx, stale, 1, nil), digitalid.ECONFLICT)
	if ids := fileIDs(); len(ids) != 2 {
		t.Errorf("files after a refused replacement = %v, want both kept", ids)
	}
	if err := db.UpdateDocument(ctx, stale, 2, nil); err != nil {
		t.Fatalf("UpdateDocument(replace files) = %v", err)
	}
	if ids := fileIDs(); len(ids) != 1 || ids[0] != photo.ID {
		t.Errorf("files after replacement = %v, want [%s]", ids, photo.ID)
	}
	if f, err := db.File(ctx, c, d.ID, photo.ID); err != nil || string(f.ContentSealed) != "photo" || f.MediaType != vault.MediaJPEG {
		t.Errorf("File(photo) = %+v, %v", f, err)
	}
	if _, err := db.File(ctx, c, d.ID, d.Files[0].ID); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("File(replaced) = %v, want ENOTFOUND", err)
	}
	none := stale
	none.Revision, none.Files = 4, []vault.FileRecord{}
	if err := db.UpdateDocument(ctx, none, 3, nil); err != nil {
		t.Fatalf("UpdateDocument(no files) = %v", err)
	}
	if ids := fileIDs(); len(ids) != 0 {
		t.Errorf("files after replacement by none = %v", ids)
	}
	if n := countRows(t, db, "vault_files WHERE document_id = 'd_replace'"); n != 0 {
		t.Errorf("%d file rows left", n)
	}
}

func vaultIdempotency(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := vaultKey(t, db, "c_idem").CitizenID
	rec := vault.IdempotencyRecord{IssuerID: "iss_mvd", KeyMAC: []byte("key-1"), RequestMAC: []byte("req-1"), DocumentID: "d_idem",
		Created: true, CreatedAt: vaultT0, ExpiresAt: vaultT0.Add(24 * time.Hour)}
	_, err := db.Idempotency(ctx, rec.IssuerID, rec.KeyMAC)
	wantErrCode(t, "Idempotency(none)", err, digitalid.ENOTFOUND)
	mustInsertDoc(t, db, vaultDoc(c, "d_idem", vault.SourceIssuer, "iss_mvd"), &rec)
	got, err := db.Idempotency(ctx, rec.IssuerID, rec.KeyMAC)
	if err != nil || !equalIdem(got, rec) {
		t.Fatalf("Idempotency = %+v, %v; want %+v", got, err, rec)
	}
	_, err = db.Idempotency(ctx, "iss_fns", rec.KeyMAC)
	wantErrCode(t, "Idempotency(other issuer)", err, digitalid.ENOTFOUND)

	// A live key cannot be taken again, and the document is not stored.
	again := rec
	again.DocumentID, again.RequestMAC = "d_idem2", []byte("req-2")
	wantErrCode(t, "InsertDocument(live key)", db.InsertDocument(ctx, vaultDoc(c, "d_idem2", vault.SourceIssuer, "iss_mvd"), &again), digitalid.ECONFLICT)
	if _, err := db.Document(ctx, c, "d_idem2"); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
		t.Errorf("Document(d_idem2) = %v, want ENOTFOUND: a refused key rolls the insert back", err)
	}
	upd := vaultDoc(c, "d_idem", vault.SourceIssuer, "iss_mvd")
	upd.Revision = 2
	wantErrCode(t, "UpdateDocument(live key)", db.UpdateDocument(ctx, upd, 1, &again), digitalid.ECONFLICT)
	if got, _ := db.Document(ctx, c, "d_idem"); got.Revision != 1 {
		t.Errorf("Document(d_idem).Revision = %d after a refused update, want 1", got.Revision)
	}

	// Once expired, the key is replaced.
	again.DocumentID, again.Created = "d_idem", false
	again.CreatedAt, again.ExpiresAt = rec.ExpiresAt, rec.ExpiresAt.Add(24*time.Hour)
	if err := db.UpdateDocument(ctx, upd, 1, &again); err != nil {
		t.Fatalf("UpdateDocument(expired key) = %v", err)
	}
	if got, err := db.Idempotency(ctx, rec.IssuerID, rec.KeyMAC); err != nil || !equalIdem(got, again) {
		t.Errorf("Idempotency after replacement = %+v, %v; want %+v", got, err, again)
	}
	if n, err := db.PurgeIdempotency(ctx, again.ExpiresAt); err != nil || n != 0 {
		t.Errorf("PurgeIdempotency(at expiry) = %d, %v; want 0", n, err)
	}
	if n, err := db.PurgeIdempotency(ctx, again.ExpiresAt.Add(time.Microsecond)); err != nil || n != 1 {
		t.Errorf("PurgeIdempotency(after expiry) = %d, %v; want 1", n, err)
	}
}

func equalIdem(a, b vault.IdempotencyRecord) bool {
	return a.IssuerID == b.IssuerID && bytes.Equal(a.KeyMAC, b.KeyMAC) && bytes.Equal(a.RequestMAC, b.RequestMAC) &&
		a.DocumentID == b.DocumentID && a.Created == b.Created && a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt)
}

func vaultCounts(t *testing.T, db *store.DB) {
	ctx := context.Background()
	counts := func() map[vault.Count]bool {
		t.Helper()
		cs, err := db.CountDocuments(ctx, "2031-01-01")
		if err != nil {
			t.Fatalf("CountDocuments = %v", err)
		}
		m := map[vault.Count]bool{}
		for _, c := range cs {
			m[c] = true
		}
		return m
	}
	before := counts()
	c := vaultKey(t, db, "c_counts").CitizenID
	var docs []vault.DocumentRecord
	for i, exp := range []string{"2030-12-31", "2031-01-01", "", "2020-01-01"} {
		d := vaultDoc(c, fmt.Sprintf("d_count%d", i), vault.SourceSelf, "")
		d.TypeID, d.ExpiresOn, d.Files = "counted_type", exp, nil
		docs = append(docs, d)
	}
	docs[3].RevokedAt = vaultT0 // revoked wins over expired
	issued := vaultDoc(c, "d_count_iss", vault.SourceIssuer, "iss_mvd")
	issued.TypeID, issued.ExpiresOn = "counted_type", ""
	for _, d := range append(docs, issued) {
		mustInsertDoc(t, db, d, nil)
	}
	after := counts()
	for c := range before {
		if c.TypeID == "counted_type" {
			t.Fatalf("CountDocuments before = %+v, want no counted_type", before)
		}
	}
	want := []vault.Count{
		{TypeID: "counted_type", Source: vault.SourceIssuer, Status: vault.StatusValid, N: 1},
		{TypeID: "counted_type", Source: vault.SourceSelf, Status: vault.StatusExpired, N: 1},
		{TypeID: "counted_type", Source: vault.SourceSelf, Status: vault.StatusRevoked, N: 1},
		{TypeID: "counted_type", Source: vault.SourceSelf, Status: vault.StatusValid, N: 2},
	}
	got := 0
	for c := range after {
		if c.TypeID == "counted_type" {
			got++
		}
	}
	for _, w := range want {
		if !after[w] {
			t.Errorf("CountDocuments lacks %+v", w)
		}
	}
	if got != len(want) {
		t.Errorf("CountDocuments has %d counted_type rows, want %d", got, len(want))
	}
}

func vaultShred(t *testing.T, db *store.DB) {
	ctx := context.Background()
	k := vaultKey(t, db, "c_shred")
	keep := vaultKey(t, db, "c_keep")
	mustInsertDoc(t, db, vaultDoc(k.CitizenID, "d_shred", vault.SourceSelf, ""), nil)
	mustInsertDoc(t, db, vaultDoc(k.CitizenID, "d_shred_iss", vault.SourceIssuer, "iss_mvd"), &vault.IdempotencyRecord{
		IssuerID: "iss_mvd", KeyMAC: []byte("shred-key"), RequestMAC: []byte("r"), DocumentID: "d_shred_iss",
		CreatedAt: vaultT0, ExpiresAt: vaultT0.Add(time.Hour)})
	mustInsertDoc(t, db, vaultDoc(keep.CitizenID, "d_keep", vault.SourceSelf, ""), nil)

	at := vaultT0.Add(time.Hour)
	if err := db.ShredCitizenKey(ctx, k.CitizenID, at); err != nil {
		t.Fatalf("ShredCitizenKey = %v", err)
	}
	got, err := db.CitizenKey(ctx, k.CitizenID)
	if err != nil || !got.ShreddedAt.Equal(at) || got.Wrapped.Ciphertext != nil || got.Wrapped.KeyID != "" {
		t.Errorf("CitizenKey after shredding = %+v, %v; want a tombstone shredded at %v", got, err, at)
	}
	for table, where := range map[string]string{
		"vault_documents":   "citizen_id = 'c_shred'",
		"vault_files":       "citizen_id = 'c_shred'",
		"vault_idempotency": "document_id = 'd_shred_iss'",
	} {
		if n := countRows(t, db, table+" WHERE "+where); n != 0 {
			t.Errorf("%s rows of a shredded citizen = %d, want 0", table, n)
		}
	}
	if _, err := db.Document(ctx, keep.CitizenID, "d_keep"); err != nil {
		t.Errorf("Document(other citizen) after shredding = %v, want it kept", err)
	}
	// A late first key, or a second shredding, changes nothing.
	if got, err := db.CreateCitizenKey(ctx, k); err != nil || !got.ShreddedAt.Equal(at) || got.Wrapped.Ciphertext != nil {
		t.Errorf("CreateCitizenKey after shredding = %+v, %v; want the tombstone", got, err)
	}
	if err := db.ShredCitizenKey(ctx, k.CitizenID, at.Add(time.Hour)); err != nil {
		t.Fatalf("ShredCitizenKey(again) = %v", err)
	}
	if got, _ := db.CitizenKey(ctx, k.CitizenID); !got.ShreddedAt.Equal(at) {
		t.Errorf("ShreddedAt after a second shredding = %v, want the first %v", got.ShreddedAt, at)
	}
	// A citizen who never had a key gets a tombstone; an unknown one is ENOTFOUND.
	VaultCitizen(t, db, "c_shred_nokey")
	if err := db.ShredCitizenKey(ctx, "c_shred_nokey", at); err != nil {
		t.Fatalf("ShredCitizenKey(no key) = %v", err)
	}
	if got, err := db.CitizenKey(ctx, "c_shred_nokey"); err != nil || !got.ShreddedAt.Equal(at) {
		t.Errorf("CitizenKey(shredded without key) = %+v, %v; want a tombstone", got, err)
	}
	wantErrCode(t, "ShredCitizenKey(unknown)", db.ShredCitizenKey(ctx, "c_nobody", at), digitalid.ENOTFOUND)
	// Deleting the citizen deletes the tombstone.
	if _, err := db.SQL().ExecContext(ctx, "DELETE FROM account_citizens WHERE id = 'c_shred'"); err != nil {
		t.Fatalf("delete citizen: %v", err)
	}
	_, err = db.CitizenKey(ctx, k.CitizenID)
	wantErrCode(t, "CitizenKey(deleted citizen)", err, digitalid.ENOTFOUND)
}
