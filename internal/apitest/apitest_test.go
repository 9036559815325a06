package apitest

import (
	"maps"
	"net/http/httptest"
	"testing"
)

const tiny = `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
 "paths": {"/things/{id}": {"get": {
   "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
   "responses": {"200": {"description": "a thing", "content": {"application/json": {"schema": {
     "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}}}}}}}}`

func TestAnswerError(t *testing.T) {
	doc := Load(t, []byte(tiny))
	answer := func(body string) Exchange {
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteString(body)
		return Recorded("GET", "/things/{id}", "/things/7?x=1", nil, rec)
	}
	if err := AnswerError(doc, answer(`{"id": "7"}`)); err != nil {
		t.Errorf("a good answer: %v", err)
	}
	if AnswerError(doc, answer(`{"id": 7}`)) == nil {
		t.Error("an answer that breaks the schema passes")
	}
	x := answer(`{"id": "7"}`)
	x.Template = "/nothing"
	if AnswerError(doc, x) == nil {
		t.Error("an undocumented operation passes")
	}
}

func TestPathParams(t *testing.T) {
	got := PathParams("/a/{id}/b/{name}", "/a/1/b/x?y=2")
	if want := map[string]string{"id": "1", "name": "x"}; !maps.Equal(got, want) {
		t.Errorf("PathParams = %v, want %v", got, want)
	}
}

func TestRefused(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/problem+json")
	rec.WriteHeader(400)
	rec.WriteString(`{"status": 400, "code": "invalid", "errors": [{"field": "pin", "message": "bad"}]}`)
	p := Refused(t, "POST /x", rec, 400, "invalid")
	if p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "pin" {
		t.Errorf("Refused = %+v", p)
	}
}
