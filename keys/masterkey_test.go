package keys_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/keys"
)

func TestLoadOrCreateMasterKeyFromEnv(t *testing.T) {
	k := bytes.Repeat([]byte{0xfb, 0xff, 0x01}, 11)[:32] // has + and / in std base64
	missing := filepath.Join(t.TempDir(), "never", "master.key")
	tests := []struct {
		name, env string
		ok        bool
	}{
		{"std", base64.StdEncoding.EncodeToString(k), true},
		{"url", base64.URLEncoding.EncodeToString(k), true},
		{"raw std", base64.RawStdEncoding.EncodeToString(k), true},
		{"raw url", base64.RawURLEncoding.EncodeToString(k), true},
		{"newline", base64.StdEncoding.EncodeToString(k) + "\n", true},
		{"16 bytes", base64.StdEncoding.EncodeToString(k[:16]), false},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(k, 0)), false},
		{"not base64", "this is not a key!", false},
		{"hex", strings.Repeat("ab", 32), false},
	}
	for _, tt := range tests {
		got, err := keys.LoadOrCreateMasterKey(missing, tt.env)
		if tt.ok && (err != nil || !bytes.Equal(got, k)) {
			t.Errorf("%s: LoadOrCreateMasterKey(env) = %x, %v; want %x", tt.name, got, err, k)
		}
		if !tt.ok && digitalid.ErrorCode(err) != digitalid.EINVALID {
			t.Errorf("%s: LoadOrCreateMasterKey(env) = %v, want EINVALID", tt.name, err)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimSpace(tt.env)) {
			t.Errorf("%s: error %q repeats the variable's value", tt.name, err)
		}
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("LoadOrCreateMasterKey with the variable set touched the file path: %v", err)
	}
}

func TestLoadOrCreateMasterKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "master.key")
	k1, err := keys.LoadOrCreateMasterKey(path, "")
	if err != nil || len(k1) != keys.MasterKeySize {
		t.Fatalf("LoadOrCreateMasterKey(new file) = %d bytes, %v", len(k1), err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("mode of %s = %v, %v; want %#o", p, fi.Mode().Perm(), err, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data directory holds %d files, want only master.key (no temporary file left)", len(entries))
	}
	k2, err := keys.LoadOrCreateMasterKey(path, "")
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("LoadOrCreateMasterKey(existing file) = %x, %v; want the key made first", k2, err)
	}
	text, _ := os.ReadFile(path)
	if got, err := keys.ParseMasterKey(string(text)); err != nil || !bytes.Equal(got, k1) {
		t.Errorf("master.key does not hold the key in base64 (usable as DIGITALID_MASTER_KEY): %v", err)
	}

	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o700} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := keys.LoadOrCreateMasterKey(path, "")
		if mode&0o077 != 0 && (digitalid.ErrorCode(err) != digitalid.EINVALID || !strings.Contains(err.Error(), "chmod 600")) {
			t.Errorf("LoadOrCreateMasterKey(file mode %#o) = %v, want EINVALID naming chmod 600", mode, err)
		}
		if mode&0o077 == 0 && err != nil {
			t.Errorf("LoadOrCreateMasterKey(file mode %#o) = %v, want the key", mode, err)
		}
	}

	link := filepath.Join(dir, "link.key")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.LoadOrCreateMasterKey(link, ""); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("LoadOrCreateMasterKey(symlink) = %v, want EINVALID", err)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.LoadOrCreateMasterKey(bad, ""); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("LoadOrCreateMasterKey(malformed file) = %v, want EINVALID", err)
	}
	if _, err := keys.LoadOrCreateMasterKey("", ""); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf(`LoadOrCreateMasterKey("", "") = %v, want EINVALID`, err)
	}
}

// Two processes starting on a fresh machine must end up with one key.
func TestLoadOrCreateMasterKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "master.key")
	const n = 8
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = keys.LoadOrCreateMasterKey(path, "")
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || !bytes.Equal(got[i], got[0]) {
			t.Errorf("concurrent LoadOrCreateMasterKey #%d = %x, %v; want %x", i, got[i], errs[i], got[0])
		}
	}
}
