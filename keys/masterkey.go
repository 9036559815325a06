package keys

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalid/digitalid"
)

// LoadOrCreateMasterKey returns the file backend's master key. When envValue
// (DIGITALID_MASTER_KEY) is not empty it is used: 32 bytes in standard or
// URL-safe base64, padded or not. Otherwise the key is read from path; when
// path does not exist a new random key is written there (base64, mode 0600,
// its directory created with mode 0700), so `digitalid serve` works on a
// fresh machine. A key file readable by anyone but its owner is refused,
// since whoever reads it can open every key in the database.
//
// Errors never contain the key or the variable's value.
func LoadOrCreateMasterKey(path string, envValue string) ([]byte, error) {
	if envValue != "" {
		k, err := ParseMasterKey(envValue)
		if err != nil {
			return nil, fmt.Errorf("DIGITALID_MASTER_KEY: %w", err)
		}
		return k, nil
	}
	if path == "" {
		return nil, digitalid.Errorf(digitalid.EINVALID, "no master key: set DIGITALID_MASTER_KEY or a master key file path")
	}
	k, err := readMasterKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := createMasterKey(path); err != nil {
		return nil, err
	}
	return readMasterKey(path)
}

// ParseMasterKey decodes a base64 master key (standard or URL alphabet, with
// or without padding) and checks its length.
func ParseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		k, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(k) != MasterKeySize {
			return nil, digitalid.Errorf(digitalid.EINVALID, "master key must be %d bytes, got %d", MasterKeySize, len(k))
		}
		return k, nil
	}
	return nil, digitalid.Errorf(digitalid.EINVALID, "master key is not base64")
}

func readMasterKey(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, digitalid.Errorf(digitalid.EINVALID, "master key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, digitalid.Errorf(digitalid.EINVALID,
			"master key file %s has mode %#o; it must be readable by its owner only (chmod 600 %s)", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	defer clear(b)
	k, err := ParseMasterKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return k, nil
}

// createMasterKey writes a new key to a private temporary file and links it
// into place, so that two processes starting at once cannot both create a
// key, and nobody ever reads a half-written one.
func createMasterKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("master key directory: %w", err)
	}
	k := make([]byte, MasterKeySize)
	if _, err := rand.Read(k); err != nil {
		return fmt.Errorf("generate master key: %w", err)
	}
	text := []byte(base64.StdEncoding.EncodeToString(k) + "\n")
	clear(k)
	defer clear(text)
	tmp, err := os.CreateTemp(dir, ".master.key.*")
	if err != nil {
		return fmt.Errorf("master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("master key file: %w", err)
	}
	if _, err := tmp.Write(text); err != nil {
		tmp.Close()
		return fmt.Errorf("master key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("master key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("master key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("master key file: %w", err)
	}
	// Make the new name durable: losing the key loses every key it seals.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("master key directory: %w", err)
	}
	defer d.Close()
	return d.Sync()
}
