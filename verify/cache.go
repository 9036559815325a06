package verify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Cache keeps fetched JWKS and Status List Tokens, with the time they were
// fetched, so a verifier keeps working offline and after a restart. What
// it holds is public (keys, signed lists), and what comes out of it is
// checked again (JSON parsed, tokens re-verified), so an implementation
// needs no secrecy. Implementations must be safe for concurrent use.
type Cache interface {
	// Get returns the data stored under key and when it was stored, or an
	// error wrapping ErrCacheMiss when there is none.
	Get(ctx context.Context, key string) (data []byte, storedAt time.Time, err error)
	// Put stores data under key, replacing what was there.
	Put(ctx context.Context, key string, data []byte, storedAt time.Time) error
}

// ErrCacheMiss is returned by Cache.Get for a key it does not hold.
var ErrCacheMiss = errors.New("verify: not in cache")

// maxCacheEntry bounds what a cache hands back: the largest Status List
// Token the verifier would fetch, plus its envelope.
const maxCacheEntry = maxStatusBody + 4<<10

// MemoryCache is a Cache in memory: caches survive as long as the Verifier.
type MemoryCache struct {
	mu      sync.Mutex
	entries map[string]memoryEntry
}

type memoryEntry struct {
	data     []byte
	storedAt time.Time
}

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache() *MemoryCache { return &MemoryCache{entries: map[string]memoryEntry{}} }

// Get implements Cache.
func (c *MemoryCache) Get(_ context.Context, key string) ([]byte, time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, time.Time{}, ErrCacheMiss
	}
	return bytes.Clone(e.data), e.storedAt, nil
}

// Put implements Cache.
func (c *MemoryCache) Put(_ context.Context, key string, data []byte, storedAt time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = memoryEntry{data: bytes.Clone(data), storedAt: storedAt}
	return nil
}

// DirCache is a Cache in a directory, one file per key, for a scanner that
// must keep its keys and status lists across restarts and offline days.
// Files are replaced atomically (write, then rename), so a crash leaves the
// old copy or the new one, never half of one.
type DirCache struct {
	dir string
}

// NewDirCache returns a DirCache in dir, creating it (0700) if needed.
func NewDirCache(dir string) (*DirCache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("verify: cache directory: %w", err)
	}
	return &DirCache{dir: dir}, nil
}

// path names the file of key: a digest, so any key is a safe file name.
func (c *DirCache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:16])+".cache")
}

// A cache file is the key, a newline, the time stored (RFC 3339), a
// newline, and the data.

// Get implements Cache.
func (c *DirCache) Get(_ context.Context, key string) ([]byte, time.Time, error) {
	f, err := os.Open(c.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, time.Time{}, ErrCacheMiss
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("verify: cache: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() > maxCacheEntry {
		return nil, time.Time{}, fmt.Errorf("%w: cache file unreadable or too large", ErrCacheMiss)
	}
	r := bufio.NewReader(f)
	gotKey, err1 := r.ReadString('\n')
	stamp, err2 := r.ReadString('\n')
	storedAt, err3 := time.Parse(time.RFC3339Nano, trimNewline(stamp))
	if err := errors.Join(err1, err2, err3); err != nil || trimNewline(gotKey) != key {
		return nil, time.Time{}, fmt.Errorf("%w: cache file of another key or damaged", ErrCacheMiss)
	}
	var data bytes.Buffer
	if _, err := data.ReadFrom(r); err != nil {
		return nil, time.Time{}, fmt.Errorf("verify: cache: %w", err)
	}
	return data.Bytes(), storedAt, nil
}

// Put implements Cache.
func (c *DirCache) Put(_ context.Context, key string, data []byte, storedAt time.Time) error {
	if strings.ContainsAny(key, "\r\n") {
		return fmt.Errorf("verify: cache key with a line break")
	}
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("verify: cache: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename there is nothing left to remove
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "%s\n%s\n", key, storedAt.UTC().Format(time.RFC3339Nano))
	w.Write(data)
	err = errors.Join(w.Flush(), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), c.path(key))
	}
	if err != nil {
		return fmt.Errorf("verify: cache: %w", err)
	}
	return nil
}

func trimNewline(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		return s[:n-1]
	}
	return s
}
