package oidc

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// ClientStatus says whether a relying party may use the provider.
type ClientStatus string

// Statuses of a relying party.
const (
	ClientActive   ClientStatus = "active"
	ClientDisabled ClientStatus = "disabled"
)

// Client authentication methods.
const (
	AuthPrivateKeyJWT = "private_key_jwt"     // production: signed client assertions
	AuthSecretBasic   = "client_secret_basic" // development clients only
)

// DefaultConsentDays is how long a consent lasts unless the relying party
// is registered with another duration.
const DefaultConsentDays = 90

// RelyingParty is an OAuth 2.0 / OpenID Connect client an operator
// registered.
type RelyingParty struct {
	ID             string
	Name           string // shown on the consent page
	LogoURL        string // https URL, or empty
	RedirectURIs   []string
	PostLogoutURIs []string
	// Scopes are the scopes it may ever ask for ("openid" always included).
	Scopes []string
	// RequiredScopes cannot be unticked on the consent page.
	RequiredScopes []string
	AuthMethod     string
	PublicKeys     jose.JSONWebKeySet // for private_key_jwt
	SecretHash     []byte             // SHA-256 of the secret, for client_secret_basic
	ConsentDays    int
	Status         ClientStatus
	CreatedAt      time.Time
	DisabledAt     time.Time
}

// LogValue logs the id and status only.
func (c RelyingParty) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.String("status", string(c.Status)))
}

// Request states.
const (
	RequestPushed   = "pushed"   // stored by the PAR endpoint, not yet used
	RequestUsed     = "used"     // a pushed request the authorization endpoint took
	RequestPending  = "pending"  // waiting for the citizen's consent
	RequestApproved = "approved" // consented; a code may be issued
	RequestDenied   = "denied"   // the citizen declined
)

// Params are the parameters of an authorization request.
type Params struct {
	RedirectURI         string   `json:"redirect_uri"`
	Scopes              []string `json:"scopes"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	ResponseType        string   `json:"response_type"`
	ResponseMode        string   `json:"response_mode,omitempty"`
	CodeChallenge       string   `json:"code_challenge"`
	CodeChallengeMethod string   `json:"code_challenge_method"`
	// Query is the whole query of a pushed request, replayed at the
	// authorization endpoint.
	Query string `json:"query,omitempty"`
}

// Request is an authorization request in flight.
type Request struct {
	ID        string
	ClientID  string
	Params    Params
	State     string
	CitizenID string // set at consent
	ConsentID string
	Subject   string   // pairwise subject, set at consent
	Granted   []string // scopes the citizen granted
	AuthTime  time.Time
	CodeHash  []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Consent is a citizen's permission for a relying party to receive the
// data of some scopes until ExpiresAt.
type Consent struct {
	ID        string
	CitizenID string
	ClientID  string
	Scopes    []string
	DeviceID  string // the device the citizen approved on
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time
}

// Active reports whether the consent grants anything at now.
func (c Consent) Active(now time.Time) bool {
	return c.RevokedAt.IsZero() && now.Before(c.ExpiresAt)
}

// Token kinds.
const (
	KindAccess  = "access"
	KindRefresh = "refresh"
)

// Token is an access or refresh token. Access tokens are named by ID inside
// the encrypted bearer value; refresh tokens are found by Hash.
type Token struct {
	ID        string
	Kind      string
	Hash      []byte // refresh tokens: SHA-256 of the token
	Family    string // the refresh chain: rotation keeps it, reuse revokes it
	ClientID  string
	CitizenID string
	ConsentID string
	RequestID string
	Subject   string
	Scopes    []string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // refresh tokens: rotated
	RevokedAt time.Time
}

// Store keeps relying parties, requests, consents, tokens and used
// assertion ids. store.DB implements it.
type Store interface {
	// CreateClient inserts a relying party. Returns ECONFLICT if the id exists.
	CreateClient(ctx context.Context, c RelyingParty) error
	// Client returns a relying party. Returns ENOTFOUND if there is none.
	Client(ctx context.Context, id string) (RelyingParty, error)
	// Clients returns every relying party, by id.
	Clients(ctx context.Context) ([]RelyingParty, error)
	// DisableClient marks it disabled and revokes its tokens. Returns
	// ENOTFOUND if there is none.
	DisableClient(ctx context.Context, id string, at time.Time) error

	// CreateRequest inserts an authorization request (pushed or pending).
	CreateRequest(ctx context.Context, r Request) error
	// Request returns a request that has not expired at now. Returns
	// ENOTFOUND otherwise.
	Request(ctx context.Context, id string, now time.Time) (Request, error)
	// TakePushed moves a pushed request of clientID to "used" and returns
	// it, once: a second call, another client or an expired one gets
	// ENOTFOUND.
	TakePushed(ctx context.Context, id, clientID string, now time.Time) (Request, error)
	// ApproveRequest records the consent on a pending request. Returns
	// ENOTFOUND unless it is pending and unexpired.
	ApproveRequest(ctx context.Context, r Request, c Consent, now time.Time) error
	// DenyRequest marks a pending request denied. Returns ENOTFOUND unless
	// it is pending.
	DenyRequest(ctx context.Context, id string, now time.Time) error
	// SaveCode stores the hash of the approved request's code. Returns
	// ENOTFOUND unless the request is approved and has no code yet.
	SaveCode(ctx context.Context, id string, codeHash []byte) error
	// UseCode marks the code used and returns its request, at most once
	// across all instances. A code used before returns ECONFLICT with the
	// request (so its tokens can be revoked); an unknown or expired one
	// ENOTFOUND.
	UseCode(ctx context.Context, codeHash []byte, now time.Time) (Request, error)
	// DeleteRequest deletes a request; no error if it is gone.
	DeleteRequest(ctx context.Context, id string) error

	// Consent returns a consent. Returns ENOTFOUND if there is none.
	Consent(ctx context.Context, id string) (Consent, error)
	// Consents returns a citizen's consents, newest first.
	Consents(ctx context.Context, citizenID string) ([]Consent, error)
	// RevokeConsent revokes a citizen's consent and every token under it in
	// one transaction. Returns ENOTFOUND if the citizen has no such consent
	// or it is already revoked.
	RevokeConsent(ctx context.Context, citizenID, id string, at time.Time) error

	// CreateToken inserts a token.
	CreateToken(ctx context.Context, t Token) error
	// Token returns a token by id. Returns ENOTFOUND if there is none.
	Token(ctx context.Context, id string) (Token, error)
	// RefreshToken returns a refresh token by hash. Returns ENOTFOUND if
	// there is none.
	RefreshToken(ctx context.Context, hash []byte) (Token, error)
	// RotateRefresh marks the refresh token oldID used and inserts next,
	// once: a token used or revoked before returns ECONFLICT and nothing is
	// inserted.
	RotateRefresh(ctx context.Context, oldID string, next Token, now time.Time) error
	// RevokeTokens revokes the unrevoked tokens of the given family, or of
	// the given request, or of a client and subject (exactly one filter set)
	// and returns how many.
	RevokeTokens(ctx context.Context, f TokenFilter, at time.Time) (int64, error)

	// UseClientAssertion records that assertion jti of the client was used
	// until expiresAt. Returns ECONFLICT if it was recorded before.
	UseClientAssertion(ctx context.Context, clientID, jti string, expiresAt time.Time) error
	// HitRateLimit counts one request in the window; see account.LimitStore.
	HitRateLimit(ctx context.Context, bucket string, key []byte, windowStart, expiresAt time.Time) (int, error)
	// PurgeOIDC deletes requests, tokens and assertion ids expired before now.
	PurgeOIDC(ctx context.Context, now time.Time) (int64, error)
}

// TokenFilter selects tokens to revoke.
type TokenFilter struct {
	ID        string
	Family    string
	RequestID string
	ClientID  string
	Subject   string
}
