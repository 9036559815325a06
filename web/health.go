package web

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/digitalid/digitalid"
	"github.com/go-jose/go-jose/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routeBuiltins registers the routes every instance serves.
func (s *Server) routeBuiltins() {
	s.API("GET /healthz", s.healthz)
	s.API("GET /readyz", s.readyz)
	metrics := promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{})
	s.API("GET /metrics", func(w http.ResponseWriter, r *http.Request) error {
		metrics.ServeHTTP(w, r)
		return nil
	})
	s.API("GET /.well-known/jwks.json", s.jwks)
	s.API("GET /api/v1/openapi.json", s.openAPI)
	s.Page("GET /{$}", s.home)
	s.Page("POST /lang", s.setLang)
	s.Page("GET /problems/{code}", s.problemPage)
	s.Handle("GET /static/{file...}", http.HandlerFunc(s.static))
}

// healthz says the process is alive. It checks nothing else, so a database
// outage makes instances unready, not restarted.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeText(w, "ok\n")
}

// readyz says whether this instance should get traffic: the database answers
// within a short timeout and the server is not shutting down.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.shutting.Load() {
		return &digitalid.Error{Code: digitalid.EUNAVAILABLE, Message: "The service is shutting down.", Key: "error.shutting_down"}
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("not ready: database ping failed", "request_id", stateOf(r).id, "err", err.Error())
		return &digitalid.Error{Code: digitalid.EUNAVAILABLE, Message: "The service is not ready.", Key: "error.not_ready", Err: err}
	}
	return writeText(w, "ok\n")
}

// jwks publishes the platform's public signing keys. It refuses to publish a
// set that holds a private key: a bug in a JWKSource must not leak one.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	set, err := s.keys.JWKS(r.Context())
	if err != nil {
		return err
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return digitalid.Errorf(digitalid.EINTERNAL, "JWKS source returned a private key (kid %q)", k.KeyID)
		}
	}
	if set.Keys == nil {
		set.Keys = []jose.JSONWebKey{}
	}
	body, err := json.Marshal(set)
	if err != nil {
		return digitalid.Wrap(digitalid.EINTERNAL, err, "encode JWKS")
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*") // public keys: any verifier may fetch them
	_, err = w.Write(body)
	return err
}

// openAPI serves the OpenAPI 3.1 description of the API routes.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(s.openapi)
	return err
}

func writeText(w http.ResponseWriter, text string) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte(text))
	return err
}
