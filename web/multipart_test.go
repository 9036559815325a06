package web_test

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/web"
)

// photoBody builds a multipart body from parts (name → content).
func photoBody(t testing.TB, parts [][2]string) (*bytes.Buffer, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		var pw interface{ Write([]byte) (int, error) }
		var err error
		if p[0] == "image" {
			pw, err = w.CreateFormFile("image", "face.png")
		} else {
			pw, err = w.CreateFormField(p[0])
		}
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(p[1]))
	}
	w.Close()
	return &b, w.FormDataContentType()
}

func readPhotoForm(r *http.Request) (web.PhotoForm, error) {
	return web.ReadPhotoForm(r, []string{"challenge", "pin"}, 8, 16, "test.image")
}

// TestReadPhotoForm: the named text parts and the image are kept, others
// skipped; a long field, a body that is not multipart and a body over the
// route's limit are told apart.
func TestReadPhotoForm(t *testing.T) {
	body, ct := photoBody(t, [][2]string{{"challenge", "dpc_1"}, {"other", strings.Repeat("x", 100)}, {"image", "0123456789abcdefXX"}, {"pin", "1234"}})
	r := httptest.NewRequest("POST", "/", body)
	r.Header.Set("Content-Type", ct)
	f, err := readPhotoForm(r)
	if err != nil || f.Text["challenge"] != "dpc_1" || f.Text["pin"] != "1234" || len(f.Text) != 2 || string(f.Image) != "0123456789abcdefX" {
		t.Fatalf("ReadPhotoForm = %+v, %v; want the two fields and the image cut at its limit + 1", f, err)
	}

	body, ct = photoBody(t, [][2]string{{"pin", "123456789"}})
	r = httptest.NewRequest("POST", "/", body)
	r.Header.Set("Content-Type", ct)
	_, err = readPhotoForm(r)
	var de *digitalid.Error
	if !errors.As(err, &de) || de.Code != digitalid.EINVALID || len(de.Fields) != 1 || de.Fields[0].Field != "pin" || de.Key != "error.field_too_long" {
		t.Errorf("a field over its limit = %v; want EINVALID on pin", err)
	}

	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"pin":"1"}`))
	r.Header.Set("Content-Type", "application/json")
	_, err = readPhotoForm(r)
	if !errors.As(err, &de) || de.Code != digitalid.EINVALID || de.Fields[0].Field != "image" || de.Key != "test.image" {
		t.Errorf("not multipart = %v; want EINVALID on image", err)
	}

	body, ct = photoBody(t, [][2]string{{"image", strings.Repeat("y", 4096)}})
	r = httptest.NewRequest("POST", "/", body)
	r.Header.Set("Content-Type", ct)
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 512)
	_, err = readPhotoForm(r)
	if _, ok := errors.AsType[*http.MaxBytesError](err); !ok {
		t.Errorf("a body over the limit = %v; want the *http.MaxBytesError", err)
	}
}

// FuzzReadPhotoForm: any body gives a form or an error, never a panic, and
// never more than the limits in memory.
func FuzzReadPhotoForm(f *testing.F) {
	body, ct := photoBody(f, [][2]string{{"challenge", "dpc_1"}, {"image", "\x89PNG"}})
	f.Add(body.Bytes(), ct)
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"pin\"\r\n\r\n1\r\n--x--\r\n"), "multipart/form-data; boundary=x")
	f.Add([]byte("garbage"), "multipart/form-data; boundary=")
	f.Fuzz(func(t *testing.T, b []byte, ct string) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(b))
		r.Header.Set("Content-Type", ct)
		form, err := readPhotoForm(r)
		if err != nil {
			return
		}
		if len(form.Image) > 17 {
			t.Fatalf("image of %d bytes kept, limit 16+1", len(form.Image))
		}
		for k, v := range form.Text {
			if (k != "challenge" && k != "pin") || len(v) > 8 {
				t.Fatalf("text %q = %d bytes kept", k, len(v))
			}
		}
	})
}
