package oidc

import (
	"net/http"
	"net/url"
)

// withIss adds the issuer to every authorization response that next sends
// back to a client (RFC 9207), so that a client talking to several
// providers can tell which one answered and refuse a mix-up attack, where
// a malicious provider's code is sent to an honest provider's token
// endpoint.
//
// op writes those responses itself (the code on the callback, errors on
// the authorization endpoint and the callback), so the parameter is added
// to its redirect: an absolute Location (the client's redirect_uri; our own
// pages are relative paths) that carries code or error. A redirect after
// logout carries neither and is left alone.
func withIss(issuer string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&issWriter{ResponseWriter: w, issuer: issuer}, r)
	})
}

type issWriter struct {
	http.ResponseWriter
	issuer string
	wrote  bool
}

func (w *issWriter) WriteHeader(status int) {
	if !w.wrote && status >= 300 && status < 400 {
		if loc, ok := addIss(w.Header().Get("Location"), w.issuer); ok {
			w.Header().Set("Location", loc)
		}
	}
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *issWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *issWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// addIss returns loc with iss set, when loc is an authorization response
// to a client.
func addIss(loc, issuer string) (string, bool) {
	u, err := url.Parse(loc)
	if err != nil || !u.IsAbs() {
		return "", false
	}
	q := u.Query()
	if !q.Has("code") && !q.Has("error") {
		return "", false
	}
	q.Set("iss", issuer)
	u.RawQuery = q.Encode()
	return u.String(), true
}
