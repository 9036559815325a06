// Package sms sends text messages to citizens' phones — one-time codes and
// notices — through the Sender interface, with two implementations:
//
//   - Outbox (development and tests): every message is stored in the
//     database, its text and number sealed with AES-256-GCM and the number
//     also kept as a keyed HMAC for lookup, so that a grep of the data
//     directory finds no code and no phone number. `digitalid sms outbox`
//     lists it (List, PrintOutbox); tests read the last code sent to a phone
//     with Latest.
//   - Gateway (production): an HTTP adapter that POSTs each message to an SMS
//     gateway, retrying transient failures with exponential backoff.
//
// Metrics wraps either one to count messages by purpose and result.
//
// Neither implementation logs a number or a text: log lines carry the message
// id, its purpose, the attempt and the HTTP status. Message and OutboxEntry
// redact themselves when logged (slog.LogValuer).
//
// # Gateway protocol
//
// Each attempt is one request:
//
//	POST <URL>
//	Content-Type: application/json
//	Idempotency-Key: <id>
//	<AuthHeader>: <AuthValue>          (when configured)
//
//	{"to": "+77011234567", "text": "Your code is 123456", "id": "<id>"}
//
// "to" is the number in E.164, "text" the message body (at most 1000
// characters, UTF-8), and "id" an idempotency id — 1 to 64 characters of
// [A-Za-z0-9_-] — that is the same on every retry of one message, so the
// gateway can drop a duplicate when a response was lost in transit.
//
// Expected responses:
//
//	2xx                  accepted. An optional JSON body {"id": "<gateway's id>"}
//	                     is logged as gateway_id for tracing; anything else in the
//	                     body is ignored.
//	409                  a message with this id was already accepted: success.
//	408, 429, 5xx        transient: retried with exponential backoff and jitter;
//	                     a Retry-After header (seconds or HTTP date) on 429 or 503
//	                     is honoured up to GatewayConfig.MaxRetryAfter.
//	400, 413, 422        the gateway rejected the message: EINVALID, not retried.
//	other 4xx, 3xx       misconfiguration (auth, URL): EUNAVAILABLE, not retried.
//	                     Redirects are not followed, so the auth header never
//	                     travels to another host.
//
// Network errors and per-attempt timeouts are retried like 5xx. When all
// attempts fail Send returns EUNAVAILABLE; when the caller's context ends it
// returns at once with an error that matches the context's error (errors.Is).
package sms
