package verify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCaches(t *testing.T) {
	dir, err := NewDirCache(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Cache{"memory": NewMemoryCache(), "dir": dir} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if _, _, err := c.Get(ctx, "jwks https://a"); !errors.Is(err, ErrCacheMiss) {
				t.Fatalf("Get(absent) = %v, want ErrCacheMiss", err)
			}
			at := time.Date(2026, 1, 1, 12, 0, 0, 123456789, time.UTC)
			for _, data := range []string{"first\nline", "second"} {
				if err := c.Put(ctx, "jwks https://a", []byte(data), at); err != nil {
					t.Fatalf("Put = %v", err)
				}
				got, gotAt, err := c.Get(ctx, "jwks https://a")
				if err != nil || string(got) != data || !gotAt.Equal(at) {
					t.Fatalf("Get = %q, %v, %v; want %q, %v", got, gotAt, err, data, at)
				}
			}
			if _, _, err := c.Get(ctx, "jwks https://b"); !errors.Is(err, ErrCacheMiss) {
				t.Errorf("Get(other key) = %v, want ErrCacheMiss", err)
			}
		})
	}
}

// TestDirCacheDamaged: a truncated file, or a file holding another key,
// is a miss, not an error that stops verification.
func TestDirCacheDamaged(t *testing.T) {
	c, err := NewDirCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, content := range map[string]string{
		"truncated":   "jwks https://a\n2026-01",
		"another key": "jwks https://b\n2026-01-01T00:00:00Z\n{}",
		"bad time":    "jwks https://a\nyesterday\n{}",
	} {
		if err := os.WriteFile(c.path("jwks https://a"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Get(ctx, "jwks https://a"); !errors.Is(err, ErrCacheMiss) {
			t.Errorf("Get(%s file) = %v, want ErrCacheMiss", name, err)
		}
	}
	if err := c.Put(ctx, "a\nb", nil, time.Now()); err == nil {
		t.Error("Put(key with a newline) = nil, want an error")
	}
}
