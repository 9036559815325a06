package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
)

// maxResponseBody bounds how much of a gateway response is read.
const maxResponseBody = 4 << 10

// StatusError is the cause of a failed attempt that got an HTTP answer;
// callers can read the status with errors.As.
type StatusError struct {
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("sms gateway answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// outcome is the result of one attempt. err is nil on success; a non-empty
// code marks a permanent failure, an empty one a failure worth retrying.
type outcome struct {
	status     int // 0 when no HTTP answer came
	gatewayID  string
	retryAfter time.Duration
	code       string
	err        error
}

// attempt makes one POST, bounded by the per-attempt timeout.
func (g *Gateway) attempt(ctx context.Context, payload []byte, id string) outcome {
	actx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, g.url, bytes.NewReader(payload))
	if err != nil {
		return outcome{code: digitalid.EUNAVAILABLE, err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "digitalid-sms/1")
	req.Header.Set("Idempotency-Key", id)
	if g.authHeader != "" {
		req.Header.Set(g.authHeader, g.authValue)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		// *url.Error quotes the URL, whose query may hold a key: keep only
		// the inner cause (dial error, timeout).
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return outcome{err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	return classify(resp.StatusCode, resp.Header.Get("Retry-After"), body, g.now())
}

// classify turns an HTTP answer into an outcome; see the package doc.
func classify(status int, retryAfter string, body []byte, now time.Time) outcome {
	o := outcome{status: status}
	switch {
	case status >= 200 && status < 300:
		o.gatewayID = parseGatewayID(body)
		return o
	case status == http.StatusConflict: // already accepted under this id
		return o
	}
	o.err = &StatusError{StatusCode: status}
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			o.retryAfter, _ = parseRetryAfter(retryAfter, now)
		}
	case status == http.StatusBadRequest, status == http.StatusRequestEntityTooLarge, status == http.StatusUnprocessableEntity:
		o.code = digitalid.EINVALID
	default:
		o.code = digitalid.EUNAVAILABLE
	}
	return o
}

// backoff returns the wait after the given failed attempt: BackoffBase
// doubled per attempt, capped at MaxBackoff, with "equal jitter" — uniformly
// in [d/2, d] — so that many instances retrying after one outage spread out.
func (g *Gateway) backoff(attempt int) time.Duration {
	d := g.maxBackoff
	if shift := attempt - 1; shift < 32 {
		if e := g.base << shift; e > 0 && e < d {
			d = e
		}
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110, 10.2.3). A date in the past means no wait. ok is false when the
// header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		if len(v) > 9 { // over 31 years: any cap applies
			return 1e9 * time.Second, true
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// parseGatewayID reads the optional {"id": "..."} of a success response. It
// returns "" for any other body, and for an id that is not 1 to 128
// characters of [A-Za-z0-9._:-], so that what reaches a log line is bounded
// and harmless.
func parseGatewayID(body []byte) string {
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &r); err != nil || len(r.ID) == 0 || len(r.ID) > 128 {
		return ""
	}
	for _, c := range r.ID {
		if !isIDChar(c) && c != '.' && c != ':' {
			return ""
		}
	}
	return r.ID
}

func isIDChar(c rune) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
}

// validHeaderName reports whether s is an HTTP field name (RFC 9110 token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !isIDChar(c) && !strings.ContainsRune("!#$%&'*+.^`|~", c) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether s can be sent as a field value: visible
// characters, spaces and tabs, no CR, LF or other controls.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
