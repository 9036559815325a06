package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// openAPISource is the hand-written OpenAPI 3.1 description of every API
// route. Whoever adds an API route describes it here; CheckOpenAPI (run by a
// test) fails while the two differ.
//
//go:embed openapi.json
var openAPISource []byte

// openAPIDocument returns the served document: the source with its servers
// set to the public URL and info.version to the release.
func openAPIDocument(publicURL, version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		return nil, fmt.Errorf("web: parse openapi.json: %w", err)
	}
	doc["servers"] = []any{map[string]any{"url": publicURL}}
	if info, ok := doc["info"].(map[string]any); ok {
		info["version"] = version
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("web: encode openapi.json: %w", err)
	}
	return out, nil
}

// OpenAPIOperations returns the operations the served OpenAPI document
// describes, as routes, sorted like APIRoutes.
func (s *Server) OpenAPIOperations() ([]Route, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(s.openapi, &doc); err != nil {
		return nil, fmt.Errorf("web: parse openapi.json: %w", err)
	}
	var ops []Route
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				ops = append(ops, Route{Method: strings.ToUpper(method), Path: path})
			}
		}
	}
	sortRoutes(ops)
	return ops, nil
}

// CheckOpenAPI returns an error naming every API route the OpenAPI document
// lacks and every documented operation with no route. Run it on the fully
// wired server (cmd's tests) as well as in this package's tests.
func (s *Server) CheckOpenAPI() error {
	ops, err := s.OpenAPIOperations()
	if err != nil {
		return err
	}
	routes := s.APIRoutes()
	var problems []string
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			problems = append(problems, "route not in openapi.json: "+r.String())
		}
	}
	for _, op := range ops {
		if !slices.Contains(routes, op) {
			problems = append(problems, "openapi.json operation has no route: "+op.String())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("web: API routes and OpenAPI document differ:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
