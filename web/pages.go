package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/web/i18n"
)

//go:embed templates
var templateFS embed.FS

// langCookie holds the visitor's chosen language for a year.
const (
	langCookie       = "lang"
	langCookieMaxAge = 365 * 24 * 60 * 60
)

// pages are the parsed page templates: templates/layout.html with each of
// templates/pages/*.html, which define "title" and "content".
type pages struct {
	byName map[string]*template.Template
}

func loadPages(a *assets) (*pages, error) {
	base, err := template.New("layout.html").Funcs(template.FuncMap{"asset": a.url}).
		ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: list page templates: %w", err)
	}
	p := &pages{byName: make(map[string]*template.Template)}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		p.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return p, nil
}

// View is what every page template receives: the request's language and
// path, the release, and the page's own Data. Templates translate with
// {{.T "key"}} (or {{$.T "key"}} inside range and with).
type View struct {
	Lang      string
	Path      string
	Version   string
	Year      int
	RequestID string
	Data      any
	bundle    *i18n.Bundle
}

// T translates key into the page's language; see i18n.Bundle.T.
func (v *View) T(key string, args ...any) string { return v.bundle.T(v.Lang, key, args...) }

// LangChoice is one entry of the language switch.
type LangChoice struct {
	Code    string
	Label   string // the language's own name for itself
	Current bool
}

// Languages lists the language switch's entries.
func (v *View) Languages() []LangChoice {
	var out []LangChoice
	for _, l := range v.bundle.Languages() {
		out = append(out, LangChoice{Code: l, Label: v.bundle.T(l, "lang.name"), Current: l == v.Lang})
	}
	return out
}

// Render writes the page template name (templates/pages/{name}.html) inside
// the layout, with data as View.Data. It renders to a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return digitalid.Errorf(digitalid.EINTERNAL, "no page template %q", name)
	}
	v := &View{
		Lang:      s.lang(r),
		Path:      r.URL.Path,
		Version:   s.cfg.Version,
		Year:      s.clock().Year(),
		RequestID: stateOf(r).id,
		Data:      data,
		bundle:    s.bundle,
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return digitalid.Wrap(digitalid.EINTERNAL, err, "render page "+name)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// T translates key into the language of the response to r (see
// i18n.Bundle.T), for text built outside templates.
func (s *Server) T(r *http.Request, key string, args ...any) string {
	return s.bundle.T(s.lang(r), key, args...)
}

// Lang returns the language of the response to r (ru, kk or en), for
// handlers that produce text outside templates (an SMS, say).
func (s *Server) Lang(r *http.Request) string { return s.lang(r) }

// lang chooses the response language: the lang cookie, then
// Accept-Language, then Config.DefaultLang.
func (s *Server) lang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && s.bundle.Supports(c.Value) {
		return c.Value
	}
	if l := i18n.Match(r.Header.Get("Accept-Language"), s.bundle.Languages()); l != "" {
		return l
	}
	return s.cfg.DefaultLang
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, http.StatusOK, "home", nil)
}

// setLang is the language switch: a form posting lang (ru, kk, en) and
// return (the page to go back to). It sets the cookie and redirects, so it
// works without JavaScript.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err // a body over the limit becomes 413 in fail
	}
	lang := r.PostForm.Get("lang")
	if !s.bundle.Supports(lang) {
		return &digitalid.Error{Code: digitalid.EINVALID, Message: "Unknown language.", Key: "error.lang",
			Fields: []digitalid.FieldError{{Field: "lang", Code: "unsupported", Message: "unknown language", Key: "error.lang"}}}
	}
	http.SetCookie(w, &http.Cookie{
		Name:     langCookie,
		Value:    lang,
		Path:     "/",
		MaxAge:   langCookieMaxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil || strings.HasPrefix(s.publicURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, safeReturn(r.PostForm.Get("return")), http.StatusSeeOther)
	return nil
}

// SafeReturn returns the path of target when it is a path on this site, or
// "/" (the query is dropped), so a "return to" or "next" parameter of a form
// cannot become an open redirect.
func SafeReturn(target string) string { return safeReturn(target) }

// safeReturn returns target when it is a path on this site, or "/": the
// language switch must not become an open redirect.
func safeReturn(target string) string {
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.ContainsAny(target, "\\\x00\r\n\t") {
		return "/"
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// Check again after re-encoding: "/%2F x" decodes to "//" + ...
	if p := u.EscapedPath(); strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") {
		return p
	}
	return "/"
}
