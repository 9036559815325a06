package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/digitalid/digitalid"
)

// TestFormError: a refusal becomes field messages (or one message for the
// form) with the problem's status; a fault is handed back for the error
// page, never shown as a form message.
func TestFormError(t *testing.T) {
	ts := newServer(t, nil)
	r := httptest.NewRequest(http.MethodPost, "/x", nil)
	r.Header.Set("Accept-Language", "en")

	f, err := ts.FormError(r, &digitalid.Error{Code: digitalid.EINVALID, Message: "bad",
		Fields: []digitalid.FieldError{{Field: "phone", Code: "invalid", Message: "Not a phone number."}}})
	if err != nil || f.Status != http.StatusBadRequest || f.Errors["phone"] != "Not a phone number." || f.Error != "" {
		t.Errorf("FormError(EINVALID with a field) = %+v, %v", f, err)
	}

	f, err = ts.FormError(r, &digitalid.Error{Code: digitalid.ENOTFOUND, Message: "No such document."})
	if err != nil || f.Status != http.StatusNotFound || f.Error != "No such document." || len(f.Errors) != 0 {
		t.Errorf("FormError(ENOTFOUND) = %+v, %v", f, err)
	}

	fault := errors.New("disk on fire")
	if f, err = ts.FormError(r, fault); !errors.Is(err, fault) || f.Status != 0 {
		t.Errorf("FormError(fault) = %+v, %v; want the fault back", f, err)
	}
	if ok := FormOK(); ok.Status != http.StatusOK || ok.Error != "" || ok.Errors != nil {
		t.Errorf("FormOK() = %+v", ok)
	}
}
