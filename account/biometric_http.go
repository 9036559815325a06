package account

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/digitalid/digitalid"
)

// HTTPBiometricConfig is where a face-matching service listens and how to
// authenticate to it.
type HTTPBiometricConfig struct {
	URL        string        // http(s) endpoint that takes the POST below
	AuthHeader string        // header carrying the credential, e.g. Authorization; empty: none
	AuthValue  string        // its value (a secret: from DIGITALID_BIOMETRIC_AUTH_VALUE)
	Timeout    time.Duration // per request; default 15s
	Client     *http.Client  // default: a new client with Timeout
}

// HTTPBiometric is a Biometric that asks a face-matching service over HTTP.
//
// Request: POST URL, Content-Type application/json, the AuthHeader if set:
//
//	{"citizen_ref": "cz_01HV…",        // opaque platform citizen id; never the phone or a name
//	 "challenge":   "base64url…",      // the attempt's single-use server challenge
//	 "media_type":  "image/jpeg",      // or image/png
//	 "image":       "base64…"}         // the photo, standard base64 with padding
//
// Response: 200 with Content-Type application/json:
//
//	{"matched": true, "score": 0.93, "liveness": true, "reason": "ok"}
//
// Any other status, a body that is not this JSON, or more than 64 KiB is
// EUNAVAILABLE: the service failed, the citizen did not.
type HTTPBiometric struct {
	cfg    HTTPBiometricConfig
	client *http.Client
}

// maxMatchResponse bounds the service's answer.
const maxMatchResponse = 64 << 10

// NewHTTPBiometric checks cfg and returns the adapter. Returns EINVALID for
// a missing or non-http(s) URL.
func NewHTTPBiometric(cfg HTTPBiometricConfig) (*HTTPBiometric, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, digitalid.Errorf(digitalid.EINVALID, "account: the biometric service URL must be http(s)://host/…")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	c := cfg.Client
	if c == nil {
		c = &http.Client{Timeout: cfg.Timeout}
	}
	return &HTTPBiometric{cfg: cfg, client: c}, nil
}

type matchRequestJSON struct {
	CitizenRef string `json:"citizen_ref"`
	Challenge  string `json:"challenge"`
	MediaType  string `json:"media_type"`
	Image      string `json:"image"`
}

type matchResponseJSON struct {
	Matched  *bool   `json:"matched"`
	Score    float64 `json:"score"`
	Liveness bool    `json:"liveness"`
	Reason   string  `json:"reason"`
}

// Match sends req and reads the verdict.
func (b *HTTPBiometric) Match(ctx context.Context, req MatchRequest) (MatchResult, error) {
	body, err := json.Marshal(matchRequestJSON{CitizenRef: req.CitizenID, Challenge: req.Challenge,
		MediaType: req.MediaType, Image: base64.StdEncoding.EncodeToString(req.Image)})
	if err != nil {
		return MatchResult{}, fmt.Errorf("account: biometric request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, b.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return MatchResult{}, unavailable(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	if b.cfg.AuthHeader != "" && b.cfg.AuthValue != "" {
		hr.Header.Set(b.cfg.AuthHeader, b.cfg.AuthValue)
	}
	resp, err := b.client.Do(hr)
	if err != nil {
		return MatchResult{}, unavailable(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxMatchResponse+1))
	if err != nil {
		return MatchResult{}, unavailable(err)
	}
	if resp.StatusCode != http.StatusOK {
		return MatchResult{}, unavailable(fmt.Errorf("status %d", resp.StatusCode))
	}
	if len(raw) > maxMatchResponse {
		return MatchResult{}, unavailable(fmt.Errorf("response over %d bytes", maxMatchResponse))
	}
	var out matchResponseJSON
	if err := json.Unmarshal(raw, &out); err != nil || out.Matched == nil {
		return MatchResult{}, unavailable(fmt.Errorf("malformed response: %v", err))
	}
	return MatchResult{Matched: *out.Matched, Score: out.Score, Liveness: out.Liveness, Reason: out.Reason}, nil
}

func unavailable(err error) error {
	return &digitalid.Error{Code: digitalid.EUNAVAILABLE, Key: "account.proofing.unavailable",
		Message: "The identity check service is not available; try again later.", Err: fmt.Errorf("biometric service: %w", err)}
}
