// Package apitest holds the checks the web packages' tests share: building
// requests for the real router, reading JSON and problem+json answers, and
// validating requests and answers against the served OpenAPI document.
// Only _test.go files import it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/digitalid/digitalid/sms"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// NewRequest builds a request to the router with body: nil sends none, a
// string is sent as a form, []byte as raw JSON, anything else JSON-encoded;
// Content-Type is set to match.
func NewRequest(t testing.TB, method, path string, body any) *http.Request {
	t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		r, ctype = strings.NewReader(b), "application/x-www-form-urlencoded"
	case []byte:
		r, ctype = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r, ctype = bytes.NewReader(j), "application/json"
	}
	hr := httptest.NewRequest(method, path, r)
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	return hr
}

// Decode fails the test unless rec has status want, and then decodes its
// body into out (if not nil). call names the request in messages, e.g.
// "GET /api/v1/me".
func Decode(t testing.TB, call string, rec *httptest.ResponseRecorder, want int, out any) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("%s = %d %s, want %d", call, rec.Code, rec.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s: decode %s: %v", call, rec.Body, err)
		}
	}
}

// Problem is what tests read of a problem+json answer.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Code   string       `json:"code"`
	Errors []FieldError `json:"errors"`
}

// FieldError is one entry of a problem's errors.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Refused fails the test unless rec is a problem with status and code, and
// reports a Content-Type other than application/problem+json; it returns
// the problem.
func Refused(t testing.TB, call string, rec *httptest.ResponseRecorder, status int, code string) Problem {
	t.Helper()
	var p Problem
	if rec.Code != status || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Code != code {
		t.Fatalf("%s = %d %s, want %d %s", call, rec.Code, rec.Body, status, code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", call, ct)
	}
	return p
}

// Load reads an OpenAPI document (as the server serves it).
func Load(t testing.TB, raw []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load OpenAPI: %v", err)
	}
	return doc
}

// Exchange is one request and the answer to it, to check against the
// document.
type Exchange struct {
	Method   string
	Template string // the path as the document names it: /api/v1/x/{id}
	Path     string // the path sent, with its query
	// Body is the request body and ContentType its type (application/json
	// when Body is set and ContentType empty).
	Body        []byte
	ContentType string
	Status      int
	Header      http.Header
	Answer      []byte
}

// Recorded is the exchange of a request (body JSON-encoded unless nil) and
// its recorded answer.
func Recorded(method, template, path string, body any, rec *httptest.ResponseRecorder) Exchange {
	x := Exchange{Method: method, Template: template, Path: path, Status: rec.Code, Header: rec.Header(), Answer: rec.Body.Bytes()}
	if body != nil {
		x.Body, _ = json.Marshal(body)
	}
	return x
}

// input is the request half of x for the validator.
func (x Exchange) input(doc *openapi3.T) (*openapi3filter.RequestValidationInput, bool) {
	item := doc.Paths.Value(x.Template)
	if item == nil || item.GetOperation(x.Method) == nil {
		return nil, false
	}
	hr := httptest.NewRequest(x.Method, x.Path, bytes.NewReader(x.Body))
	if x.Body != nil {
		ct := x.ContentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	route := &routers.Route{Spec: doc, Path: x.Template, PathItem: item, Method: x.Method, Operation: item.GetOperation(x.Method)}
	return &openapi3filter.RequestValidationInput{
		Request: hr, PathParams: PathParams(x.Template, x.Path), Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}, true
}

// AnswerError is the validator's verdict on x's answer alone (an error
// also when the document has no such operation).
func AnswerError(doc *openapi3.T, x Exchange) error {
	in, ok := x.input(doc)
	if !ok {
		return fmt.Errorf("openapi.json has no %s %s", x.Method, x.Template)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.Status, Header: x.Header}
	out.SetBodyBytes(x.Answer)
	return openapi3filter.ValidateResponse(context.Background(), out)
}

// Validate checks x's request and answer against doc, and that a 204 has
// no body; a missing operation fails the test.
func Validate(t testing.TB, doc *openapi3.T, x Exchange) {
	t.Helper()
	validate(t, doc, x, true)
}

// ValidateAnswer is Validate without the request check, for requests sent
// malformed on purpose.
func ValidateAnswer(t testing.TB, doc *openapi3.T, x Exchange) {
	t.Helper()
	validate(t, doc, x, false)
}

func validate(t testing.TB, doc *openapi3.T, x Exchange, request bool) {
	t.Helper()
	in, ok := x.input(doc)
	if !ok {
		t.Fatalf("openapi.json has no %s %s", x.Method, x.Template)
	}
	if request {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s request does not match openapi.json: %v", x.Method, x.Path, err)
		}
		in.Request.Body = io.NopCloser(bytes.NewReader(x.Body))
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.Status, Header: x.Header}
	out.SetBodyBytes(x.Answer)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s response %d does not match openapi.json: %v", x.Method, x.Path, x.Status, err)
	}
	if x.Status == http.StatusNoContent && len(x.Answer) != 0 {
		t.Errorf("%s %s: 204 with a body", x.Method, x.Path)
	}
}

// PathParams reads the {name} segments of template from path.
func PathParams(template, path string) map[string]string {
	path, _, _ = strings.Cut(path, "?")
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	out := map[string]string{}
	for i, seg := range ts {
		if strings.HasPrefix(seg, "{") && i < len(ps) {
			out[strings.Trim(seg, "{}")] = ps[i]
		}
	}
	return out
}

var codePattern = regexp.MustCompile(`\b\d{6}\b`)

// Code returns the one-time code last texted to to, read from the outbox
// (as a citizen reads it from the phone); it fails the test when there is
// none.
func Code(t testing.TB, ctx context.Context, outbox *sms.Outbox, to string) string {
	t.Helper()
	m, err := outbox.Latest(ctx, to)
	if err != nil {
		t.Fatalf("outbox.Latest(%s): %v", to, err)
	}
	c := codePattern.FindString(m.Body)
	if c == "" {
		t.Fatalf("last SMS to %s holds no code: %q", to, m.Purpose)
	}
	return c
}
