package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/digitalid/digitalid"
)

// HandlerFunc handles one request. A returned error is rendered for the
// caller — as problem+json for API routes, as an HTML error page for pages —
// so handlers end with `return digitalid.Errorf(digitalid.EINVALID, ...)`
// instead of writing error responses themselves. A handler that has already
// written its response must return nil (an error then is only logged).
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// RouteOption changes how one route is served.
type RouteOption func(*routeOptions)

type routeOptions struct {
	maxBody     int64
	crossOrigin bool
}

// MaxBody sets the request body limit of a route (an upload, say) instead of
// Config.MaxBodyBytes.
func MaxBody(n int64) RouteOption { return func(o *routeOptions) { o.maxBody = n } }

// CrossOrigin exempts a route from CSRF protection. Only for endpoints built
// to be called cross-origin by browsers and not authenticated by cookies
// (for example an OAuth token endpoint used by single-page apps).
func CrossOrigin() RouteOption { return func(o *routeOptions) { o.crossOrigin = true } }

// Route is one registered API operation.
type Route struct {
	Method string // GET, POST, ...
	Path   string // ServeMux path pattern, e.g. /api/v1/documents/{id}
}

// String returns the route as a ServeMux pattern, "GET /path".
func (r Route) String() string { return r.Method + " " + r.Path }

type routeKind int

const (
	kindAPI  routeKind = iota // errors as problem+json; listed in APIRoutes and the OpenAPI document
	kindPage                  // errors as HTML pages
	kindRaw                   // plain http.Handler; errors are its own business
)

type routeInfo struct {
	kind  routeKind
	route Route
}

// API registers a JSON API operation. pattern is a ServeMux pattern with a
// method, e.g. "GET /api/v1/documents/{id}"; every API route must also be
// described in openapi.json (a test compares the two). It panics on a
// malformed or duplicate pattern, like ServeMux.
func (s *Server) API(pattern string, h HandlerFunc, opts ...RouteOption) {
	s.register(kindAPI, pattern, s.wrap(h, opts), opts)
}

// Page registers an HTML page (or a form target); render with Server.Render.
// It panics on a malformed or duplicate pattern.
func (s *Server) Page(pattern string, h HandlerFunc, opts ...RouteOption) {
	s.register(kindPage, pattern, s.wrap(h, opts), opts)
}

// Handle registers a plain http.Handler (a third-party protocol handler, say).
// It still gets request IDs, logs, metrics, security headers, CSRF checks and
// the body limit, but is not listed among the API routes.
func (s *Server) Handle(pattern string, h http.Handler, opts ...RouteOption) {
	s.register(kindRaw, pattern, s.limitBody(h, opts), opts)
}

// APIRoutes returns the registered API operations, sorted by path and method.
func (s *Server) APIRoutes() []Route {
	s.routesMu.RLock()
	defer s.routesMu.RUnlock()
	var routes []Route
	for _, ri := range s.routes {
		if ri.kind == kindAPI {
			routes = append(routes, ri.route)
		}
	}
	sortRoutes(routes)
	return routes
}

func sortRoutes(routes []Route) {
	slices.SortFunc(routes, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
	})
}

func (s *Server) register(kind routeKind, pattern string, h http.Handler, opts []RouteOption) {
	method, path, ok := strings.Cut(pattern, " ")
	path = strings.TrimLeft(path, " \t")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("web: pattern %q must be METHOD /path", pattern))
	}
	o := s.options(opts)
	if o.crossOrigin {
		s.cop.AddInsecureBypassPattern(pattern)
	}
	s.routesMu.Lock()
	defer s.routesMu.Unlock()
	s.mux.Handle(pattern, h) // panics on conflicts
	s.routes[pattern] = routeInfo{kind: kind, route: Route{Method: method, Path: path}}
}

// kindOf returns how errors of the route matched by pattern are rendered:
// problem+json for API routes and, for unmatched requests, for paths under
// /api/ and /.well-known/.
func (s *Server) kindOf(pattern, path string) routeKind {
	s.routesMu.RLock()
	ri, ok := s.routes[pattern]
	s.routesMu.RUnlock()
	if ok {
		return ri.kind
	}
	if path == "/api" || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/.well-known/") {
		return kindAPI
	}
	return kindPage
}

func (s *Server) options(opts []RouteOption) routeOptions {
	o := routeOptions{maxBody: s.cfg.MaxBodyBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// wrap adapts a HandlerFunc: body limit, then errors rendered by s.fail.
func (s *Server) wrap(h HandlerFunc, opts []RouteOption) http.Handler {
	return s.limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseForm(r); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}), opts)
}

// parseForm parses the query and a form-encoded body before the handler,
// so that what the client mangled (a bad %-escape or a ';' in either, a
// Content-Type that is not a media type) is its 400 on every route, not the
// 500 of whichever handler called r.ParseForm first. The handlers' own
// ParseForm calls then find it parsed. Other bodies are left unread:
// ParseForm reads only a form-encoded one, and ParseMultipartForm reuses
// what it parsed. A body over the limit stays the *http.MaxBytesError (413).
func parseForm(r *http.Request) error {
	err := r.ParseForm()
	if err == nil {
		if !formIsText(r.Form) {
			return errNotText()
		}
		return nil
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return err
	}
	return &digitalid.Error{Code: digitalid.EINVALID, Key: "error.form", Message: "The form could not be read.", Err: err}
}

// limitBody refuses a declared Content-Length over the route's limit at once
// and caps the body it reads, so a handler reading too much gets an
// *http.MaxBytesError (rendered as 413 by s.fail).
func (s *Server) limitBody(h http.Handler, opts []RouteOption) http.Handler {
	limit := s.options(opts).maxBody
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			s.fail(w, r, &http.MaxBytesError{Limit: limit})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		h.ServeHTTP(w, r)
	})
}

// unmatched answers a request no route matched: 404, or 405 with the Allow
// header the ServeMux computed, in the format of the path (problem+json under
// /api/, HTML elsewhere). Redirects the ServeMux generates (path cleaning)
// pass through.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request, h http.Handler) {
	probe := &probeWriter{header: make(http.Header)}
	h.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusNotFound:
		s.fail(w, r, errNotFound())
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", probe.header.Get("Allow"))
		s.fail(w, r, errMethodNotAllowed())
	default:
		for k, v := range probe.header {
			w.Header()[k] = v
		}
		w.WriteHeader(probe.status)
		w.Write(probe.body)
	}
}

// probeWriter records what the ServeMux's own fallback handlers write.
type probeWriter struct {
	header http.Header
	status int
	body   []byte
}

func (p *probeWriter) Header() http.Header { return p.header }

func (p *probeWriter) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	p.body = append(p.body, b...)
	return len(b), nil
}
