package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// assets are the embedded static files. Each is served under its plain name
// (revalidated with an ETag) and under a name with its content hash
// ("app.3f2a9c1b.css", cached for a year), which templates link to through
// the asset function, so a new release never meets a stale cached file.
type assets struct {
	byName map[string]*asset // plain and hashed names
	hashed map[string]string // plain → hashed name
}

type asset struct {
	data      []byte
	etag      string
	ctype     string
	immutable bool
}

func loadAssets() (*assets, error) {
	a := &assets{byName: make(map[string]*asset), hashed: make(map[string]string)}
	// Files in subfolders (vendored libraries: vendor/jsqr/jsQR.js) are
	// served under their path below static/.
	var names []string
	err := fs.WalkDir(staticFS, "static", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			names = append(names, strings.TrimPrefix(p, "static/"))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("web: read static assets: %w", err)
	}
	for _, name := range names {
		data, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			return nil, fmt.Errorf("web: read static asset %s: %w", name, err)
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])[:16]
		ext := path.Ext(name)
		hashedName := strings.TrimSuffix(name, ext) + "." + hash + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		etag := `"` + hash + `"`
		a.byName[name] = &asset{data: data, etag: etag, ctype: ctype}
		a.byName[hashedName] = &asset{data: data, etag: etag, ctype: ctype, immutable: true}
		a.hashed[name] = hashedName
	}
	return a, nil
}

// url returns the cache-busting URL of a static file, for templates.
func (a *assets) url(name string) (string, error) {
	h, ok := a.hashed[name]
	if !ok {
		return "", fmt.Errorf("web: no static asset %q", name)
	}
	return "/static/" + h, nil
}

// static serves an embedded asset. Hashed names are immutable; plain names
// must be revalidated (If-None-Match answers 304).
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets.byName[r.PathValue("file")]
	if !ok {
		s.fail(w, r, errNotFound())
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	if a.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
}
