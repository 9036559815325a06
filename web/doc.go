// Package web is digitalid's HTTP adapter: the conventions every capability's
// API and pages follow, and the web shell they live in.
//
// It owns routing (stdlib ServeMux patterns registered through Server.API and
// Server.Page), the error vocabulary on the wire (RFC 9457 problem+json with a
// stable type per digitalid error code), request IDs, access logs that never
// carry personal data, security headers, CSRF protection, body limits,
// Prometheus metrics, health and readiness, the JWKS and OpenAPI documents,
// graceful shutdown, and the server-rendered pages with their embedded
// templates, styles and translations (package web/i18n).
//
// Domain packages never import web; web depends on them and turns their
// *digitalid.Error values into HTTP responses.
package web
