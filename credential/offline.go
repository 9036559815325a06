package credential

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/keys"
	"github.com/digitalid/digitalid/verify"
	"github.com/go-jose/go-jose/v4"
)

// VerifyOffline checks an offline QR payload (verify.FormatPayload of an
// SD-JWT+KB presentation) for purpose with the verify package — every check
// a third-party verifier makes: the KB-JWT aud must be the purpose, its
// nonce fresh random (not checked, as offline), at most 30 seconds old; the
// Disclosures exactly allowedClaims (nil: verify.DefaultPurposes()[purpose])
// — against the platform's own published keys and its status lists read
// from the database, never over the network, so a revocation counts at once.
//
// The result is never Invalid for a fault of the platform's own: a key store
// or database failure is Undetermined. A status list URI outside the
// platform's is Undetermined too.
func (s *Service) VerifyOffline(ctx context.Context, payload, purpose string, allowedClaims []string) verify.Result {
	if allowedClaims == nil {
		allowedClaims = verify.DefaultPurposes()[purpose]
	}
	if len(allowedClaims) == 0 {
		return verify.Result{Outcome: verify.Invalid, Reason: verify.ReasonUnknownPurpose, Purpose: verify.Purpose(purpose),
			CheckedAt: s.now(), Err: fmt.Errorf("credential: unknown purpose %q", purpose)}
	}
	set, err := s.JWKS(ctx)
	if err != nil {
		return verify.Result{Outcome: verify.Undetermined, Reason: verify.ReasonKeysUnavailable, Purpose: verify.Purpose(purpose),
			CheckedAt: s.now(), Err: err}
	}
	v, err := verify.New(verify.Config{
		Issuer:     s.issuer,
		HTTPClient: &http.Client{Transport: localStatus{s}},
		Cache:      verify.NewMemoryCache(),
		Now:        s.now,
		Purposes:   map[string][]string{purpose: slices.Clone(allowedClaims)},
		Logger:     s.log,
	}, verify.WithJWKS(&set))
	if err != nil {
		return verify.Result{Outcome: verify.Undetermined, Reason: verify.ReasonInternal, Purpose: verify.Purpose(purpose),
			CheckedAt: s.now(), Err: err}
	}
	return v.Verify(ctx, payload, verify.Purpose(purpose))
}

// JWKS returns the platform's published signing keys, as served at
// /.well-known/jwks.json.
func (s *Service) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	ks, err := s.keys.PublicKeys(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("credential: public keys: %w", err)
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(ks))}
	for _, k := range ks {
		set.Keys = append(set.Keys, keys.JWK(k))
	}
	return set, nil
}

// localStatus answers the verify package's GETs of the platform's own
// status lists from the Service, in process.
type localStatus struct{ s *Service }

func (l localStatus) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	prefix := l.s.issuer + "/status/"
	u := r.URL.String()
	if r.Method != http.MethodGet || !strings.HasPrefix(u, prefix) {
		return nil, errors.New("credential: not a status list of this platform")
	}
	id, err := ParseListID(strings.TrimPrefix(u, prefix))
	if err != nil {
		return respond(r, http.StatusNotFound, "", nil), nil
	}
	tok, err := l.s.StatusToken(r.Context(), id)
	switch {
	case digitalid.ErrorCode(err) == digitalid.ENOTFOUND:
		return respond(r, http.StatusNotFound, "", nil), nil
	case err != nil:
		return nil, err
	}
	return respond(r, http.StatusOK, tok.Token, http.Header{
		"Content-Type":  {MediaTypeStatusList},
		"Cache-Control": {"max-age=" + strconv.Itoa(int(tok.TTL.Seconds()))},
	}), nil
}

func respond(r *http.Request, code int, body string, h http.Header) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: code, Status: http.StatusText(code), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader([]byte(body))), ContentLength: int64(len(body)), Request: r}
}
