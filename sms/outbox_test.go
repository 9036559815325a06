package sms_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/store"
)

// testClock is a settable clock for tests.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time               { return c.t }
func (c *testClock) Advance(d time.Duration)      { c.t = c.t.Add(d) }
func newTestClock() *testClock                    { return &testClock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)} }
func testKey(b byte) []byte                       { return bytes.Repeat([]byte{b}, sms.KeySize) }
func otp(to, body string) sms.Message             { return sms.Message{To: to, Body: body, Purpose: "otp"} }
func withID(m sms.Message, id string) sms.Message { m.ID = id; return m }

func newOutbox(t *testing.T, db *store.DB, key []byte, clock *testClock) *sms.Outbox {
	t.Helper()
	o, err := sms.NewOutbox(db, key, clock.Now, nil)
	if err != nil {
		t.Fatalf("NewOutbox: %v", err)
	}
	return o
}

func TestOutbox(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := newTestClock()
		o := newOutbox(t, db, testKey(1), clock)
		start := clock.Now()

		send := func(m sms.Message) {
			t.Helper()
			if err := o.Send(ctx, m); err != nil {
				t.Fatalf("Send(%s) = %v", m.ID, err)
			}
		}
		send(withID(otp(phoneKZ, "code 111111"), "k1"))
		clock.Advance(time.Minute)
		send(withID(otp(phoneRU, "code 222222"), "r1"))
		send(withID(otp(phoneKZ, "code 333333"), "k2")) // same time as r1: last stored wins

		latest, err := o.Latest(ctx, phoneKZ)
		if err != nil || latest.Body != "code 333333" || latest.To != phoneKZ || latest.Purpose != "otp" ||
			latest.ID != "k2" || !latest.CreatedAt.Equal(clock.Now()) {
			t.Errorf("Latest(%s) = %+v, %v; want k2 with code 333333 at %v", phoneKZ, latest, err, clock.Now())
		}

		for _, tc := range []struct {
			name string
			opts sms.ListOptions
			want string // bodies, newest first
		}{
			{"all", sms.ListOptions{}, "code 333333|code 222222|code 111111"},
			{"by recipient", sms.ListOptions{To: phoneKZ}, "code 333333|code 111111"},
			{"limit", sms.ListOptions{Limit: 1}, "code 333333"},
			{"since", sms.ListOptions{Since: start.Add(time.Second)}, "code 333333|code 222222"},
			{"nobody", sms.ListOptions{To: "+14155552671"}, ""},
		} {
			got, err := o.List(ctx, tc.opts)
			if err != nil {
				t.Fatalf("List(%s) = %v", tc.name, err)
			}
			var bodies []string
			for _, e := range got {
				bodies = append(bodies, e.Body)
			}
			if strings.Join(bodies, "|") != tc.want {
				t.Errorf("List(%s) bodies = %q, want %q", tc.name, bodies, tc.want)
			}
		}

		// Sending the same id again stores nothing new.
		if err := o.Send(ctx, withID(otp(phoneKZ, "code 444444"), "k2")); err != nil {
			t.Errorf("Send(duplicate id) = %v, want nil", err)
		}
		if got, _ := o.Latest(ctx, phoneKZ); got.Body != "code 333333" {
			t.Errorf("Latest after duplicate Send = %q, want the first message kept", got.Body)
		}

		// Another key reads nothing: rows do not open.
		other := newOutbox(t, db, testKey(2), clock)
		if _, err := other.List(ctx, sms.ListOptions{}); digitalid.ErrorCode(err) != digitalid.EINTERNAL {
			t.Errorf("List under another key = %v, want %s", err, digitalid.EINTERNAL)
		}
		if _, err := other.Latest(ctx, phoneKZ); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("Latest under another key = %v, want %s (its lookup MAC differs)", err, digitalid.ENOTFOUND)
		}

		clock.Advance(10 * time.Minute)
		if n, err := o.Purge(ctx, 10*time.Minute); err != nil || n != 1 {
			t.Errorf("Purge(10m) = %d, %v; want 1 (k1 only)", n, err)
		}
		if n, err := o.Purge(ctx, time.Nanosecond); err != nil || n != 2 {
			t.Errorf("Purge(1ns) = %d, %v; want 2", n, err)
		}
		if _, err := o.Latest(ctx, phoneKZ); digitalid.ErrorCode(err) != digitalid.ENOTFOUND {
			t.Errorf("Latest after purge = %v, want %s", err, digitalid.ENOTFOUND)
		}
	})
}

func TestOutboxRejects(t *testing.T) {
	db := testdb.SQLite(t)
	ctx := context.Background()
	clock := newTestClock()
	if _, err := sms.NewOutbox(db, make([]byte, 16), clock.Now, nil); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("NewOutbox(16-byte key) = %v, want %s", err, digitalid.EINVALID)
	}
	o := newOutbox(t, db, testKey(1), clock)
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"Send bad number", func() error { return o.Send(ctx, otp("+7123", "code")) }, digitalid.EINVALID},
		{"Send long body", func() error { return o.Send(ctx, otp(phoneKZ, strings.Repeat("x", 1001))) }, digitalid.EINVALID},
		{"List bad number", func() error { _, err := o.List(ctx, sms.ListOptions{To: "8701"}); return err }, digitalid.EINVALID},
		{"List negative limit", func() error { _, err := o.List(ctx, sms.ListOptions{Limit: -1}); return err }, digitalid.EINVALID},
		{"List limit too high", func() error { _, err := o.List(ctx, sms.ListOptions{Limit: 1001}); return err }, digitalid.EINVALID},
		{"Latest empty number", func() error { _, err := o.Latest(ctx, ""); return err }, digitalid.EINVALID},
		{"Latest none", func() error { _, err := o.Latest(ctx, phoneKZ); return err }, digitalid.ENOTFOUND},
		{"Purge zero age", func() error { _, err := o.Purge(ctx, 0); return err }, digitalid.EINVALID},
	} {
		if err := tc.call(); digitalid.ErrorCode(err) != tc.code {
			t.Errorf("%s = %v, want %s", tc.name, err, tc.code)
		}
	}
	if got, err := o.List(ctx, sms.ListOptions{}); err != nil || len(got) != 0 {
		t.Errorf("List after rejected sends = %d messages, %v; want none", len(got), err)
	}
}

// A sealed body or number moved to another row must not open: each is bound
// to its message id.
func TestOutboxDetectsMovedCiphertext(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := newTestClock()
		o := newOutbox(t, db, testKey(1), clock)
		for _, m := range []sms.Message{withID(otp(phoneKZ, "code 111111"), "a"), withID(otp(phoneRU, "code 222222"), "b")} {
			if err := o.Send(ctx, m); err != nil {
				t.Fatalf("Send(%s) = %v", m.ID, err)
			}
		}
		for _, col := range []string{"body_sealed", "to_sealed"} {
			q := "UPDATE sms_outbox SET " + col + " = (SELECT " + col + " FROM sms_outbox WHERE id = 'b') WHERE id = 'a'"
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				t.Fatalf("tamper %s: %v", col, err)
			}
			_, err := o.Latest(ctx, phoneKZ)
			if digitalid.ErrorCode(err) != digitalid.EINTERNAL || !strings.Contains(digitalid.ErrorMessage(err), "message a ") {
				t.Errorf("Latest after moving %s from b to a = %v, want %s naming message a", col, err, digitalid.EINTERNAL)
			}
		}
	})
}

// The data directory must never hold a code or a number in clear.
func TestOutboxStoresNoPlaintext(t *testing.T) {
	dir := t.TempDir()
	db := testdb.Open(t, filepath.Join(dir, "digitalid.db"))
	ctx := context.Background()
	o := newOutbox(t, db, testKey(7), newTestClock())
	for i := 0; i < 20; i++ {
		// The purpose is stored in clear: finding it proves the grep sees the rows.
		if err := o.Send(ctx, sms.Message{To: phoneKZ, Body: otpBody, Purpose: "grep_probe"}); err != nil {
			t.Fatalf("Send = %v", err)
		}
	}
	grepDir(t, dir, "while open")
	if got, err := o.Latest(ctx, phoneKZ); err != nil || got.Body != otpBody {
		t.Fatalf("Latest = %q, %v; want the code back", got.Body, err)
	}
	if err := db.Close(); err != nil { // checkpoints the WAL into the main file
		t.Fatalf("Close = %v", err)
	}
	grepDir(t, dir, "after close")
}

func grepDir(t *testing.T, dir, when string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
		for _, secret := range []string{"493817", "7011234567", "digitalid code"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s: %s holds %q in clear", when, filepath.Base(f), secret)
			}
		}
	}
	if !bytes.Contains(all, []byte("grep_probe")) {
		t.Fatalf("%s: the files in %s do not hold the rows at all; the grep proves nothing", when, dir)
	}
}
