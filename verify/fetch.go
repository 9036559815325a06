package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/digitalid/digitalid/credential/statuslist"
)

// Response size limits: a JWKS of a few keys is a few KB; a Status List
// Token is at most statuslist.MaxTokenLen.
const (
	maxJWKSBody   = 256 << 10
	maxStatusBody = statuslist.MaxTokenLen
)

// errFetch marks a failure to get a resource over the network: the
// verdict then depends on what the cache still holds, never Invalid.
var errFetch = errors.New("verify: fetch failed")

// response is a fetched body and how long HTTP caching says it is fresh.
type response struct {
	body      []byte
	maxAge    time.Duration
	hasMaxAge bool
}

// fetch GETs rawURL with the Accept header accept, within the fetch
// timeout, and returns at most limit bytes of a 2xx body.
func (v *Verifier) fetch(ctx context.Context, rawURL, accept string, limit int64) (response, error) {
	if err := checkURL(rawURL); err != nil {
		return response{}, fmt.Errorf("%w: %w", errFetch, err)
	}
	ctx, cancel := context.WithTimeout(ctx, v.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return response{}, fmt.Errorf("%w: %w", errFetch, err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "digitalid-verify/1")
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%w: %w", errFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return response{}, fmt.Errorf("%w: GET %s: HTTP %d", errFetch, rawURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return response{}, fmt.Errorf("%w: GET %s: %w", errFetch, rawURL, err)
	}
	if int64(len(body)) > limit {
		return response{}, fmt.Errorf("%w: GET %s: body over %d bytes", errFetch, rawURL, limit)
	}
	r := response{body: body}
	r.maxAge, r.hasMaxAge = maxAge(resp.Header)
	return r, nil
}

// maxAge reads how long a response stays fresh (RFC 9111 section 4.2.1):
// Cache-Control max-age less the Age header; no-cache and no-store make it
// stale at once. ok is false when the response says nothing.
func maxAge(h http.Header) (d time.Duration, ok bool) {
	for _, field := range h.Values("Cache-Control") {
		for _, directive := range strings.Split(field, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				return 0, true
			case "max-age":
				secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
				if err != nil || secs < 0 {
					continue
				}
				d, ok = time.Duration(min(secs, 1<<31))*time.Second, true
			}
		}
	}
	if age, err := strconv.ParseInt(h.Get("Age"), 10, 64); ok && err == nil && age > 0 {
		d = max(0, d-time.Duration(min(age, 1<<31))*time.Second)
	}
	return d, ok
}

// checkURL allows HTTPS, and plain HTTP to a loopback host only (a
// development server on the same machine).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("verify: URL: %w", err)
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && loopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("verify: %q is not an https URL (plain http only to a loopback host)", raw)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// defaultClient has an overall timeout and follows at most five redirects,
// never from https to a non-loopback http URL.
func defaultClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("verify: too many redirects")
			}
			return checkURL(req.URL.String())
		},
	}
}
