package oidc

import (
	"slices"
	"time"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ConsentPath is where the authorization endpoint sends the browser, with
// the request id as the last path segment.
const ConsentPath = "/oidc/consent"

// opClient presents a RelyingParty to the op package: a confidential web
// client of the code flow, bearer access tokens, scopes checked by us.
type opClient struct{ c RelyingParty }

var _ op.Client = opClient{}

func (o opClient) GetID() string                       { return o.c.ID }
func (o opClient) RedirectURIs() []string              { return o.c.RedirectURIs }
func (o opClient) PostLogoutRedirectURIs() []string    { return o.c.PostLogoutURIs }
func (o opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (o opClient) AuthMethod() zoidc.AuthMethod {
	if o.c.AuthMethod == AuthSecretBasic {
		return zoidc.AuthMethodBasic
	}
	return zoidc.AuthMethodPrivateKeyJWT
}
func (o opClient) ResponseTypes() []zoidc.ResponseType {
	return []zoidc.ResponseType{zoidc.ResponseTypeCode}
}
func (o opClient) GrantTypes() []zoidc.GrantType {
	return []zoidc.GrantType{zoidc.GrantTypeCode, zoidc.GrantTypeRefreshToken}
}
func (o opClient) LoginURL(id string) string           { return ConsentPath + "/" + id }
func (o opClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (o opClient) IDTokenLifetime() time.Duration      { return DefaultIDTokenTTL }
func (o opClient) DevMode() bool                       { return false }
func (o opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed lets every scope through op's filter: CreateAuthRequest
// refuses a scope the client is not registered for with invalid_scope,
// as RFC 6749 says, instead of dropping it silently.
func (o opClient) IsScopeAllowed(string) bool           { return true }
func (o opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (o opClient) ClockSkew() time.Duration             { return 0 }

// allows reports whether the client is registered for scope.
func (c RelyingParty) allows(scope string) bool {
	return scope == ScopeOpenID || scope == ScopeOfflineAccess || slices.Contains(c.Scopes, scope)
}

// authRequest presents a Request to the op package.
type authRequest struct{ r Request }

var _ op.AuthRequest = authRequest{}

func (a authRequest) GetID() string          { return a.r.ID }
func (a authRequest) GetACR() string         { return "" }
func (a authRequest) GetAMR() []string       { return []string{"pin"} }
func (a authRequest) GetAudience() []string  { return []string{a.r.ClientID} }
func (a authRequest) GetAuthTime() time.Time { return a.r.AuthTime }
func (a authRequest) GetClientID() string    { return a.r.ClientID }
func (a authRequest) GetCodeChallenge() *zoidc.CodeChallenge {
	return &zoidc.CodeChallenge{Challenge: a.r.Params.CodeChallenge, Method: zoidc.CodeChallengeMethod(a.r.Params.CodeChallengeMethod)}
}
func (a authRequest) GetNonce() string       { return a.r.Params.Nonce }
func (a authRequest) GetRedirectURI() string { return a.r.Params.RedirectURI }
func (a authRequest) GetResponseType() zoidc.ResponseType {
	return zoidc.ResponseType(a.r.Params.ResponseType)
}
func (a authRequest) GetResponseMode() zoidc.ResponseMode {
	return zoidc.ResponseMode(a.r.Params.ResponseMode)
}
func (a authRequest) GetScopes() []string {
	if a.r.State == RequestApproved {
		return a.r.Granted
	}
	return a.r.Params.Scopes
}
func (a authRequest) GetState() string   { return a.r.Params.State }
func (a authRequest) GetSubject() string { return a.r.Subject }
func (a authRequest) Done() bool         { return a.r.State == RequestApproved }

// refreshRequest presents a refresh token to the op package.
type refreshRequest struct {
	t      Token
	scopes []string
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string            { return []string{"pin"} }
func (r *refreshRequest) GetAudience() []string       { return []string{r.t.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.t.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.t.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.t.Subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }
