package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/digitalid/digitalid"
)

// Gateway defaults, used where GatewayConfig leaves a field zero.
const (
	DefaultGatewayTimeout = 10 * time.Second
	DefaultMaxAttempts    = 4
	DefaultBackoffBase    = 500 * time.Millisecond
	DefaultMaxBackoff     = 8 * time.Second
	DefaultMaxRetryAfter  = 30 * time.Second
	maxAttemptsLimit      = 10
)

// GatewayConfig configures the HTTP gateway Sender. The package doc
// describes the request and the responses it expects.
type GatewayConfig struct {
	// URL receives one POST per attempt. It must be https://, or http:// to
	// a loopback host, or any http:// when AllowHTTP is set. It must not
	// carry credentials; use AuthHeader and AuthValue.
	URL string
	// AuthHeader names the header carrying AuthValue ("Authorization" when
	// empty and AuthValue is set; "X-API-Key" for some gateways).
	AuthHeader string
	// AuthValue is the secret sent in AuthHeader ("Bearer abc..."). It is
	// never logged and never printed by String.
	AuthValue string
	// Timeout bounds one attempt (0: DefaultGatewayTimeout).
	Timeout time.Duration
	// MaxAttempts bounds the attempts per message, the first included
	// (0: DefaultMaxAttempts; at most 10).
	MaxAttempts int
	// BackoffBase is the wait before the second attempt; it doubles per
	// attempt up to MaxBackoff, with jitter in [d/2, d]
	// (0: DefaultBackoffBase, DefaultMaxBackoff).
	BackoffBase time.Duration
	MaxBackoff  time.Duration
	// MaxRetryAfter caps how long a Retry-After header may make us wait
	// (0: DefaultMaxRetryAfter).
	MaxRetryAfter time.Duration
	// AllowHTTP permits a plain http:// URL to a host that is not loopback
	// (a gateway inside a trusted network). Messages hold codes: avoid it.
	AllowHTTP bool

	// HTTPClient sends the requests (nil: a client with the default
	// transport). Redirects are never followed, whatever the client says.
	HTTPClient *http.Client
	// Sleep waits between attempts, returning early with ctx's error when
	// ctx ends (nil: a timer). Tests inject one so they never wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// Clock reads the time to interpret a Retry-After date (nil: the
	// system clock).
	Clock digitalid.Clock
}

// String describes the configuration without the secret, so that printing
// or logging a config cannot leak it.
func (c GatewayConfig) String() string {
	return fmt.Sprintf("sms.GatewayConfig{URL: %s, AuthHeader: %q, AuthValue: %s, Timeout: %s, MaxAttempts: %d, BackoffBase: %s, MaxBackoff: %s, MaxRetryAfter: %s, AllowHTTP: %t}",
		redactURL(c.URL), c.AuthHeader, redact(c.AuthValue), c.Timeout, c.MaxAttempts, c.BackoffBase, c.MaxBackoff, c.MaxRetryAfter, c.AllowHTTP)
}

// GoString is String, so %#v does not print the secret either.
func (c GatewayConfig) GoString() string { return c.String() }

// LogValue is String for slog.
func (c GatewayConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

func redact(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}

// redactURL keeps scheme, host and path: a query may hold an API key.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable]"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// Gateway is the production Sender: it POSTs each message to an HTTP SMS
// gateway and retries transient failures with exponential backoff, under the
// same idempotency id, so the gateway can de-duplicate.
type Gateway struct {
	url           string
	authHeader    string
	authValue     string
	timeout       time.Duration
	maxAttempts   int
	base          time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	client        *http.Client
	sleep         func(ctx context.Context, d time.Duration) error
	now           digitalid.Clock
	logger        *slog.Logger
}

var _ Sender = (*Gateway)(nil)

// NewGateway checks cfg and returns a Gateway. Returns EINVALID for a bad
// URL, header or bound. A nil logger discards.
func NewGateway(cfg GatewayConfig, logger *slog.Logger) (*Gateway, error) {
	if err := checkGatewayURL(cfg.URL, cfg.AllowHTTP); err != nil {
		return nil, err
	}
	if cfg.AuthValue != "" && cfg.AuthHeader == "" {
		cfg.AuthHeader = "Authorization"
	}
	switch {
	case cfg.AuthHeader != "" && cfg.AuthValue == "":
		return nil, digitalid.Errorf(digitalid.EINVALID, "sms gateway: AuthHeader %q is set but AuthValue is empty", cfg.AuthHeader)
	case cfg.AuthHeader != "" && !validHeaderName(cfg.AuthHeader):
		return nil, digitalid.Errorf(digitalid.EINVALID, "sms gateway: %q is not a valid header name", cfg.AuthHeader)
	case !validHeaderValue(cfg.AuthValue):
		return nil, digitalid.Errorf(digitalid.EINVALID, "sms gateway: AuthValue holds characters a header cannot carry")
	case cfg.Timeout < 0, cfg.BackoffBase < 0, cfg.MaxBackoff < 0, cfg.MaxRetryAfter < 0:
		return nil, digitalid.Errorf(digitalid.EINVALID, "sms gateway: durations must not be negative")
	case cfg.MaxAttempts < 0 || cfg.MaxAttempts > maxAttemptsLimit:
		return nil, digitalid.Errorf(digitalid.EINVALID, "sms gateway: MaxAttempts must be between 1 and %d", maxAttemptsLimit)
	}
	g := &Gateway{
		url:           cfg.URL,
		authHeader:    cfg.AuthHeader,
		authValue:     cfg.AuthValue,
		timeout:       orDefault(cfg.Timeout, DefaultGatewayTimeout),
		maxAttempts:   orDefault(cfg.MaxAttempts, DefaultMaxAttempts),
		base:          orDefault(cfg.BackoffBase, DefaultBackoffBase),
		maxBackoff:    orDefault(cfg.MaxBackoff, DefaultMaxBackoff),
		maxRetryAfter: orDefault(cfg.MaxRetryAfter, DefaultMaxRetryAfter),
		sleep:         cfg.Sleep,
		now:           cfg.Clock,
		logger:        logger,
	}
	client := http.Client{}
	if cfg.HTTPClient != nil {
		client = *cfg.HTTPClient
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	g.client = &client
	if g.sleep == nil {
		g.sleep = sleepContext
	}
	if g.now == nil {
		g.now = digitalid.SystemClock
	}
	if g.logger == nil {
		g.logger = slog.New(slog.DiscardHandler)
	}
	return g, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func checkGatewayURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "" || err != nil || u.Host == "":
		return digitalid.Errorf(digitalid.EINVALID, "sms gateway: URL must be an absolute http(s) URL")
	case u.User != nil:
		return digitalid.Errorf(digitalid.EINVALID, "sms gateway: URL must not carry credentials; use AuthHeader and AuthValue")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (allowHTTP || isLoopback(u.Hostname())):
		return nil
	case u.Scheme == "http":
		return digitalid.Errorf(digitalid.EINVALID, "sms gateway: plain http:// to a non-loopback host sends codes in clear; use https:// or set AllowHTTP")
	}
	return digitalid.Errorf(digitalid.EINVALID, "sms gateway: URL scheme must be https or http")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// gatewayRequest is the JSON body of one attempt.
type gatewayRequest struct {
	To   string `json:"to"`
	Text string `json:"text"`
	ID   string `json:"id"`
}

// Send delivers m through the gateway; see the package doc for retries and
// errors. The number and text are never logged.
func (g *Gateway) Send(ctx context.Context, m Message) error {
	m, err := prepare(m)
	if err != nil {
		return err
	}
	payload, err := json.Marshal(gatewayRequest{To: m.To, Text: m.Body, ID: m.ID})
	if err != nil {
		return fmt.Errorf("sms gateway: encode: %w", err)
	}
	log := g.logger.With("sms_id", m.ID, "purpose", m.Purpose)
	for attempt := 1; ; attempt++ {
		o := g.attempt(ctx, payload, m.ID)
		attrs := []any{"attempt", attempt, "status", o.status}
		switch {
		case o.err == nil:
			log.InfoContext(ctx, "sms sent", append(attrs, "gateway_id", o.gatewayID)...)
			return nil
		case ctx.Err() != nil:
			log.WarnContext(ctx, "sms not sent: the caller gave up", append(attrs, "error", ctx.Err().Error())...)
			return unavailable(fmt.Errorf("sms gateway: attempt %d: %w", attempt, ctx.Err()))
		case o.code != "":
			log.ErrorContext(ctx, "sms refused by the gateway", attrs...)
			return digitalid.Wrap(o.code, fmt.Errorf("sms gateway: attempt %d: %w", attempt, o.err), refusedMessage(o.code))
		case attempt >= g.maxAttempts:
			log.ErrorContext(ctx, "sms not sent: attempts exhausted", append(attrs, "error", o.err.Error())...)
			return unavailable(fmt.Errorf("sms gateway: %d attempts, last: %w", attempt, o.err))
		}
		wait := g.backoff(attempt)
		if o.retryAfter > 0 {
			wait = min(o.retryAfter, g.maxRetryAfter)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			log.ErrorContext(ctx, "sms not sent: no time left to retry", append(attrs, "error", o.err.Error(), "retry_in", wait)...)
			return unavailable(fmt.Errorf("sms gateway: attempt %d, no time left to retry: %w", attempt, o.err))
		}
		log.WarnContext(ctx, "sms gateway attempt failed; retrying", append(attrs, "error", o.err.Error(), "retry_in", wait)...)
		if err := g.sleep(ctx, wait); err != nil {
			return unavailable(fmt.Errorf("sms gateway: waiting to retry: %w", err))
		}
	}
}

func unavailable(err error) error {
	return digitalid.Wrap(digitalid.EUNAVAILABLE, err, "Text messages cannot be sent now. Try again later.")
}

func refusedMessage(code string) string {
	if code == digitalid.EINVALID {
		return "The text message was refused by the SMS gateway."
	}
	return "Text messages cannot be sent now. Try again later."
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
