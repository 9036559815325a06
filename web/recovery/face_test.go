package recovery_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
)

// facePNG returns a 240×240 gradient PNG; reject paints the top-left pixel
// pure red, which DevelopmentBiometric never matches.
func facePNG(t testing.TB, reject bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 240, 240))
	for y := range 240 {
		for x := range 240 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	if reject {
		img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatalf("png.Encode: %v", err)
	}
	return b.Bytes()
}

// faceBody is a multipart form with the challenge, the PIN and the image.
func faceBody(t testing.TB, challenge, pin string, img []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("challenge", challenge)
	_ = mw.WriteField("pin", pin)
	if img != nil {
		fw, err := mw.CreateFormFile("image", "face.png")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(img)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// raw sends a body of contentType with the recovery handle.
func (e *env) raw(path, handle, contentType string, body []byte) *httptest.ResponseRecorder {
	hr := httptest.NewRequest("POST", path, bytes.NewReader(body))
	hr.Header.Set("Content-Type", contentType)
	hr.RemoteAddr = "192.0.2.7:40000"
	hr.Header.Set("Authorization", "Bearer "+handle)
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	return rec
}

// faceComplete submits a photo with a fresh challenge and returns the
// answer.
func (e *env) faceComplete(st started, img []byte) (*httptest.ResponseRecorder, problem) {
	e.t.Helper()
	path := "/api/v1/recovery/requests/" + st.ID
	var ch struct{ Challenge string }
	e.json(req{method: "POST", path: path + "/face", token: st.Handle}, 200, &ch)
	ct, body := faceBody(e.t, ch.Challenge, newPIN, img)
	rec := e.raw(path+"/face/complete", st.Handle, ct, body)
	var p problem
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	return rec, p
}

func (e *env) checks(st started) []string {
	e.t.Helper()
	var out struct{ Checks []string }
	e.json(req{method: "GET", path: "/api/v1/recovery/requests/" + st.ID + "/checks", token: st.Handle}, 200, &out)
	return out.Checks
}

// TestRecoveryWithFace: a citizen at high is offered the face check; a
// photo that does not match is counted and leaves the request approved; a
// matching one completes the recovery with the new PIN.
func TestRecoveryWithFace(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, bob := e.person(1, 30, account.AssuranceHigh), e.person(2, 40, account.AssuranceStandard)
		e.link(alice, bob)
		st := e.startRecovery(alice)
		path := "/api/v1/recovery/requests/" + st.ID
		e.refused(req{method: "POST", path: path + "/face", token: st.Handle}, 403, "forbidden") // not approved yet
		e.approve(bob, st)
		if got := e.checks(st); !slices.Contains(got, "face") || !slices.Contains(got, "otp") {
			t.Fatalf("checks = %v, want otp and face", got)
		}
		rec, p := e.faceComplete(st, facePNG(t, true))
		if rec.Code != 403 || p.Code != "forbidden" {
			t.Fatalf("non-matching photo = %d %s, want 403", rec.Code, rec.Body)
		}
		if got := e.status(st); got != "approved" {
			t.Fatalf("status after a non-match = %q, want approved", got)
		}
		// A photo that is no photo is refused as such and counts nothing.
		var ch struct{ Challenge string }
		e.json(req{method: "POST", path: path + "/face", token: st.Handle}, 200, &ch)
		ct, body := faceBody(t, ch.Challenge, newPIN, []byte("not an image"))
		if rec := e.raw(path+"/face/complete", st.Handle, ct, body); rec.Code != 400 {
			t.Fatalf("not an image = %d %s, want 400", rec.Code, rec.Body)
		}
		if rec := e.raw(path+"/face/complete", st.Handle, "application/json", []byte(`{}`)); rec.Code != 400 {
			t.Fatalf("JSON body = %d %s, want 400", rec.Code, rec.Body)
		}
		rec, _ = e.faceComplete(st, facePNG(t, false))
		if rec.Code != 200 {
			t.Fatalf("matching photo = %d %s, want 200", rec.Code, rec.Body)
		}
		if got := e.status(st); got != "completed" {
			t.Errorf("status = %q, want completed", got)
		}
		e.refused(req{method: "GET", path: "/api/v1/me", token: alice.Token}, 401, "unauthorized")
		if err := e.acc.PINs.Verify(e.ctx, alice.ID, newPIN, account.Client{}); err != nil {
			t.Errorf("new PIN: %v", err)
		}
		c, _ := e.acc.Citizens.Get(e.ctx, alice.ID)
		if c.Assurance != account.AssuranceHigh {
			t.Errorf("assurance after recovery = %q, want high", c.Assurance)
		}
	})
}

// TestRecoveryFaceOnlyAtHigh: a citizen below high, or any citizen when no
// Biometric is configured, is not offered the face check and is refused it.
func TestRecoveryFaceOnlyAtHigh(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		for _, tc := range []struct {
			name  string
			bio   bool
			level account.Assurance
		}{{"standard", true, account.AssuranceStandard}, {"no provider", false, account.AssuranceHigh}} {
			t.Run(tc.name, func(t *testing.T) {
				var e *env
				if tc.bio {
					e = newEnv(t, db, "http://id.example")
				} else {
					e = newEnvBio(t, db, "http://id.example", nil)
				}
				n := 10
				if !tc.bio {
					n = 20
				}
				alice, bob := e.person(n, 30, tc.level), e.person(n+1, 40, account.AssuranceStandard)
				e.link(alice, bob)
				st := e.startRecovery(alice)
				e.approve(bob, st)
				if got := e.checks(st); slices.Contains(got, "face") {
					t.Fatalf("checks = %v, want no face", got)
				}
				path := "/api/v1/recovery/requests/" + st.ID
				p := e.refused(req{method: "POST", path: path + "/face", token: st.Handle}, 403, "forbidden")
				if p.Detail == "" {
					t.Errorf("refusal without detail")
				}
				ct, body := faceBody(t, "dpc_forged", newPIN, facePNG(t, false))
				if rec := e.raw(path+"/face/complete", st.Handle, ct, body); rec.Code != 403 {
					t.Fatalf("face complete = %d %s, want 403", rec.Code, rec.Body)
				}
				if got := e.status(st); got != "approved" {
					t.Fatalf("status = %q, want approved", got)
				}
			})
		}
	})
}

// TestRecoveryFaceLocks: ten photos that do not match block biometric
// checks for 10 minutes (423 with Retry-After); the code to the phone
// still completes the recovery.
func TestRecoveryFaceLocks(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, bob := e.person(1, 30, account.AssuranceHigh), e.person(2, 40, account.AssuranceStandard)
		e.link(alice, bob)
		st := e.startRecovery(alice)
		e.approve(bob, st)
		for i := 1; i < account.MaxBiometricAttempts; i++ {
			if rec, _ := e.faceComplete(st, facePNG(t, true)); rec.Code != 403 {
				t.Fatalf("attempt %d = %d %s, want 403", i, rec.Code, rec.Body)
			}
		}
		rec, p := e.faceComplete(st, facePNG(t, true))
		if rec.Code != 423 || p.Code != "locked" || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("10th non-match = %d %s (Retry-After %q), want 423 locked", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
		}
		path := "/api/v1/recovery/requests/" + st.ID
		e.refused(req{method: "POST", path: path + "/face", token: st.Handle}, 423, "locked")
		e.json(req{method: "POST", path: path + "/code", token: st.Handle}, 202, nil)
		e.json(req{method: "POST", path: path + "/complete", token: st.Handle,
			body: map[string]string{"method": "otp", "code": e.code(alice.Phone), "pin": newPIN}}, 200, nil)
	})
}
