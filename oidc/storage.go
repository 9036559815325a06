package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/keys"
	jose "github.com/go-jose/go-jose/v4"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Keys is the platform KeyStore as the provider uses it: ID tokens are
// signed with the active ES256 key, the same key set /.well-known/jwks.json
// publishes. *keys.Manager implements it.
type Keys interface {
	Signer(ctx context.Context, alg keys.Alg) (keys.Signer, error)
	PublicKeys(ctx context.Context) ([]keys.Key, error)
}

// storage implements op.Storage over the Service.
type storage struct {
	s    *Service
	keys Keys
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

// CreateAuthRequest implements op.Storage. It refuses what op lets through
// but we do not: a scope the client is not registered for (invalid_scope),
// a request without PKCE S256 (plain is refused), another response type.
func (st *storage) CreateAuthRequest(ctx context.Context, ar *zoidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := st.client(ctx, ar.ClientID)
	if err != nil {
		return nil, zoidc.ErrInvalidClient().WithDescription("unknown client")
	}
	p, err := checkParams(c, Params{RedirectURI: ar.RedirectURI, Scopes: ar.Scopes, State: ar.State, Nonce: ar.Nonce,
		ResponseType: string(ar.ResponseType), ResponseMode: string(ar.ResponseMode),
		CodeChallenge: ar.CodeChallenge, CodeChallengeMethod: string(ar.CodeChallengeMethod)})
	if err != nil {
		return nil, err
	}
	now := st.s.now()
	r := Request{ID: newID("ar_"), ClientID: c.ID, Params: p, State: RequestPending, CreatedAt: now, ExpiresAt: now.Add(st.s.cfg.RequestTTL)}
	if err := st.s.store.CreateRequest(ctx, r); err != nil {
		return nil, zoidc.ErrServerError().WithParent(err)
	}
	return authRequest{r}, nil
}

// checkParams validates authorization parameters against the client; the
// errors are OAuth errors.
func checkParams(c RelyingParty, p Params) (Params, error) {
	if p.ResponseType != string(zoidc.ResponseTypeCode) {
		return p, zoidc.ErrInvalidRequest().WithDescription("only the code flow is supported")
	}
	if p.ResponseMode != "" && p.ResponseMode != string(zoidc.ResponseModeQuery) {
		return p, zoidc.ErrInvalidRequest().WithDescription("only response_mode=query is supported")
	}
	if p.CodeChallenge == "" || p.CodeChallengeMethod != string(zoidc.CodeChallengeMethodS256) {
		return p, zoidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method=S256 is required")
	}
	if len(p.CodeChallenge) != 43 {
		return p, zoidc.ErrInvalidRequest().WithDescription("code_challenge must be a base64url SHA-256")
	}
	if !slices.Contains(c.RedirectURIs, p.RedirectURI) {
		return p, zoidc.ErrInvalidRequestRedirectURI().WithDescription("the redirect_uri is not registered")
	}
	if !slices.Contains(p.Scopes, ScopeOpenID) {
		return p, zoidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	for _, sc := range p.Scopes {
		if !c.allows(sc) {
			return p, zoidc.ErrInvalidScope().WithDescription("scope not allowed for this client: %s", sc)
		}
	}
	p.Scopes = slices.Compact(slices.Sorted(slices.Values(p.Scopes)))
	return p, nil
}

// client returns an active relying party; ENOTFOUND otherwise.
func (st *storage) client(ctx context.Context, id string) (RelyingParty, error) {
	c, err := st.s.store.Client(ctx, id)
	if err == nil && c.Status != ClientActive {
		err = digitalid.Errorf(digitalid.ENOTFOUND, "the client is disabled")
	}
	return c, err
}

// AuthRequestByID implements op.Storage.
func (st *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := st.s.store.Request(ctx, id, st.s.now())
	if err != nil || (r.State != RequestPending && r.State != RequestApproved) {
		return nil, zoidc.ErrInvalidRequest().WithDescription("unknown or expired request")
	}
	return authRequest{r}, nil
}

// AuthRequestByCode implements op.Storage: the code is used here, once. A
// second use revokes every token issued from it (RFC 6749, section 4.1.2).
func (st *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := st.s.store.UseCode(ctx, hash(code), st.s.now())
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		if _, rerr := st.s.store.RevokeTokens(ctx, TokenFilter{RequestID: r.ID}, st.s.now()); rerr != nil {
			st.s.log.Error("oidc: revoke tokens of a reused code", "err", rerr)
		}
		return nil, zoidc.ErrInvalidGrant().WithDescription("the code was used before")
	}
	if err != nil {
		return nil, zoidc.ErrInvalidGrant().WithDescription("invalid or expired code")
	}
	return authRequest{r}, nil
}

// SaveAuthCode implements op.Storage.
func (st *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return st.s.store.SaveCode(ctx, id, hash(code))
}

// DeleteAuthRequest implements op.Storage.
func (st *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return st.s.store.DeleteRequest(ctx, id)
}

// grant is what tokens are issued under.
type grant struct {
	clientID, citizenID, consentID, requestID, subject, family string
	scopes                                                     []string
	authTime                                                   time.Time
}

func (st *storage) grantOf(ctx context.Context, req op.TokenRequest) (grant, error) {
	switch r := req.(type) {
	case authRequest:
		return grant{clientID: r.r.ClientID, citizenID: r.r.CitizenID, consentID: r.r.ConsentID, requestID: r.r.ID,
			subject: r.r.Subject, scopes: r.r.Granted, authTime: r.r.AuthTime}, nil
	case *refreshRequest:
		return grant{clientID: r.t.ClientID, citizenID: r.t.CitizenID, consentID: r.t.ConsentID, requestID: r.t.RequestID,
			subject: r.t.Subject, scopes: r.scopes, authTime: r.t.AuthTime, family: r.t.Family}, nil
	}
	return grant{}, zoidc.ErrUnsupportedGrantType()
}

// issue checks the consent is live and records the token issue on the
// citizen's audit chain; nothing is issued unrecorded.
func (st *storage) issue(ctx context.Context, g grant, kind string) error {
	if _, err := st.s.live(ctx, g.consentID); err != nil {
		return zoidc.ErrInvalidGrant().WithDescription("the consent is no longer valid")
	}
	return st.s.record(ctx, audit.Event{Chain: g.citizenID, Actor: audit.Actor{Type: audit.ActorRelyingParty, ID: g.clientID},
		Action: "oidc.token.issued", Object: "consent:" + g.consentID, Result: audit.Success,
		Details: map[string]string{"grant": kind}})
}

func (st *storage) newToken(g grant, kind string, now time.Time, ttl time.Duration) Token {
	return Token{ID: newID("at_"), Kind: kind, Family: g.family, ClientID: g.clientID, CitizenID: g.citizenID, ConsentID: g.consentID,
		RequestID: g.requestID, Subject: g.subject, Scopes: g.scopes, AuthTime: g.authTime, CreatedAt: now, ExpiresAt: now.Add(ttl)}
}

// CreateAccessToken implements op.Storage.
func (st *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	g, err := st.grantOf(ctx, req)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := st.issue(ctx, g, "authorization_code"); err != nil {
		return "", time.Time{}, err
	}
	now := st.s.now()
	t := st.newToken(g, KindAccess, now, st.s.cfg.AccessTTL)
	t.Family = t.ID
	if err := st.s.store.CreateToken(ctx, t); err != nil {
		return "", time.Time{}, zoidc.ErrServerError().WithParent(err)
	}
	return t.ID, t.ExpiresAt, nil
}

// CreateAccessAndRefreshTokens implements op.Storage: a code exchange
// starts a refresh family, a refresh rotates the presented token (once:
// the store refuses a token used before).
func (st *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	g, err := st.grantOf(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	kind := "authorization_code"
	if current != "" {
		kind = "refresh_token"
	}
	if err := st.issue(ctx, g, kind); err != nil {
		return "", "", time.Time{}, err
	}
	now := st.s.now()
	c, err := st.s.store.Consent(ctx, g.consentID)
	if err != nil {
		return "", "", time.Time{}, zoidc.ErrServerError().WithParent(err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	refresh := "rt_" + base64.RawURLEncoding.EncodeToString(b)
	ttl := min(st.s.cfg.RefreshTTL, c.ExpiresAt.Sub(now))
	rt := st.newToken(g, KindRefresh, now, ttl)
	rt.Hash = hash(refresh)
	if current == "" {
		rt.Family = rt.ID
		g.family = rt.ID
		err = st.s.store.CreateToken(ctx, rt)
	} else {
		old, ferr := st.s.store.RefreshToken(ctx, hash(current))
		if ferr != nil {
			return "", "", time.Time{}, zoidc.ErrInvalidGrant()
		}
		err = st.s.store.RotateRefresh(ctx, old.ID, rt, now)
		if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
			st.s.store.RevokeTokens(ctx, TokenFilter{Family: old.Family}, now)
			return "", "", time.Time{}, zoidc.ErrInvalidGrant().WithDescription("the refresh token was used before")
		}
	}
	if err != nil {
		return "", "", time.Time{}, zoidc.ErrServerError().WithParent(err)
	}
	at := st.newToken(g, KindAccess, now, st.s.cfg.AccessTTL)
	if err := st.s.store.CreateToken(ctx, at); err != nil {
		return "", "", time.Time{}, zoidc.ErrServerError().WithParent(err)
	}
	return at.ID, refresh, at.ExpiresAt, nil
}

// TokenRequestByRefreshToken implements op.Storage. Presenting a refresh
// token that was already rotated away revokes its whole family (the token
// was stolen, or the client is confused: either way the grant ends).
func (st *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	t, err := st.s.store.RefreshToken(ctx, hash(token))
	if err != nil {
		return nil, zoidc.ErrInvalidGrant().WithDescription("invalid refresh token")
	}
	now := st.s.now()
	if !t.UsedAt.IsZero() {
		st.s.store.RevokeTokens(ctx, TokenFilter{Family: t.Family}, now)
		return nil, zoidc.ErrInvalidGrant().WithDescription("the refresh token was used before")
	}
	if !t.RevokedAt.IsZero() || !now.Before(t.ExpiresAt) {
		return nil, zoidc.ErrInvalidGrant().WithDescription("invalid refresh token")
	}
	if _, err := st.s.live(ctx, t.ConsentID); err != nil {
		return nil, zoidc.ErrInvalidGrant().WithDescription("the consent is no longer valid")
	}
	return &refreshRequest{t: t, scopes: t.Scopes}, nil
}

// TerminateSession implements op.Storage: RP-initiated logout ends the
// relying party's tokens for the subject (the consent stays).
func (st *storage) TerminateSession(ctx context.Context, subject, clientID string) error {
	if subject == "" || clientID == "" {
		return nil
	}
	_, err := st.s.store.RevokeTokens(ctx, TokenFilter{ClientID: clientID, Subject: subject}, st.s.now())
	return err
}

// RevokeToken implements op.Storage (RFC 7009): an access token (by id)
// ends alone, a refresh token ends its family. An unknown token, or
// another client's, is no error and changes nothing.
func (st *storage) RevokeToken(ctx context.Context, tokenOrID, subject, clientID string) *zoidc.Error {
	var t Token
	var err error
	if subject != "" {
		t, err = st.s.store.Token(ctx, tokenOrID)
	} else {
		t, err = st.s.store.RefreshToken(ctx, hash(tokenOrID))
	}
	if err != nil || t.ClientID != clientID {
		return nil
	}
	f := TokenFilter{ID: t.ID}
	if t.Kind == KindRefresh {
		f = TokenFilter{Family: t.Family}
	}
	if _, err := st.s.store.RevokeTokens(ctx, f, st.s.now()); err != nil {
		return zoidc.ErrServerError().WithParent(err)
	}
	return nil
}

// GetRefreshTokenInfo implements op.Storage.
func (st *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := st.s.store.RefreshToken(ctx, hash(token))
	if err != nil || t.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return t.Subject, t.ID, nil
}

// signingKey is the active ES256 platform key, signing through the
// KeyStore (an HSM key never leaves it).
type signingKey struct{ s keys.Signer }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k signingKey) Key() any                                    { return keys.NewOpaqueSigner(k.s) }
func (k signingKey) ID() string                                  { return k.s.KeyID() }

// SigningKey implements op.Storage.
func (st *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	s, err := st.keys.Signer(ctx, keys.ES256)
	if err != nil {
		return nil, err
	}
	return signingKey{s}, nil
}

// SignatureAlgorithms implements op.Storage.
func (st *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

type publicKey struct{ k keys.Key }

func (p publicKey) ID() string                         { return p.k.ID }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.SignatureAlgorithm(p.k.Alg) }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.Public }

// KeySet implements op.Storage: the published platform keys.
func (st *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	ks, err := st.keys.PublicKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, 0, len(ks))
	for _, k := range ks {
		out = append(out, publicKey{k})
	}
	return out, nil
}

// GetClientByClientID implements op.Storage.
func (st *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := st.client(ctx, id)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		return nil, errors.New("unknown client")
	}
	if err != nil {
		return nil, zoidc.ErrServerError().WithParent(err)
	}
	return opClient{c}, nil
}

// AuthorizeClientIDSecret implements op.Storage: development clients only.
func (st *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := st.client(ctx, id)
	if err != nil || c.AuthMethod != AuthSecretBasic || subtle.ConstantTimeCompare(c.SecretHash, hash(secret)) != 1 {
		return errors.New("invalid client credentials")
	}
	return nil
}

// SetUserinfoFromScopes implements op.Storage (deprecated by op; unused).
func (st *storage) SetUserinfoFromScopes(context.Context, *zoidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the ID
// token carries the pairwise subject and nothing personal.
func (st *storage) SetUserinfoFromRequest(_ context.Context, ui *zoidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	ui.Subject = req.GetSubject()
	return nil
}

// SetUserinfoFromToken implements op.Storage: the userinfo endpoint
// answers while the token and its consent live.
func (st *storage) SetUserinfoFromToken(ctx context.Context, ui *zoidc.UserInfo, tokenID, subject, _ string) error {
	if _, _, err := st.s.LiveToken(ctx, tokenID, subject); err != nil {
		return fmt.Errorf("token not valid: %w", err)
	}
	ui.Subject = subject
	return nil
}

// SetIntrospectionFromToken implements op.Storage.
func (st *storage) SetIntrospectionFromToken(ctx context.Context, ir *zoidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, _, err := st.s.LiveToken(ctx, tokenID, subject)
	if err != nil || t.ClientID != clientID {
		return errors.New("token not valid")
	}
	ir.Active, ir.Subject, ir.ClientID, ir.Scope = true, subject, t.ClientID, t.Scopes
	return nil
}

// GetPrivateClaimsFromScopes implements op.Storage.
func (st *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID implements op.Storage: a client's assertion key.
func (st *storage) GetKeyByIDAndClientID(ctx context.Context, kid, clientID string) (*jose.JSONWebKey, error) {
	c, err := st.client(ctx, clientID)
	if err != nil || c.AuthMethod != AuthPrivateKeyJWT {
		return nil, errors.New("unknown client")
	}
	return clientKey(c, kid)
}

// clientKey returns the client's key kid, or its only key when kid is empty.
func clientKey(c RelyingParty, kid string) (*jose.JSONWebKey, error) {
	if kid == "" && len(c.PublicKeys.Keys) == 1 {
		return &c.PublicKeys.Keys[0], nil
	}
	for _, k := range c.PublicKeys.Keys {
		if k.KeyID == kid && kid != "" {
			return &k, nil
		}
	}
	return nil, errors.New("unknown key")
}

// ValidateJWTProfileScopes implements op.Storage; the JWT bearer grant is
// not offered.
func (st *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, zoidc.ErrUnsupportedGrantType()
}

// Health implements op.Storage.
func (st *storage) Health(context.Context) error { return nil }
