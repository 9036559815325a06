package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/digitalid/digitalid"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Endpoint paths of the provider (outside /api/v1: they speak OAuth, not
// problem+json). The JWKS is the platform's /.well-known/jwks.json.
const (
	PathDiscovery  = "/.well-known/openid-configuration"
	PathAuthorize  = "/authorize"
	PathCallback   = "/authorize/callback"
	PathToken      = "/oauth/token"
	PathPAR        = "/oauth/par"
	PathRevoke     = "/oauth/revoke"
	PathIntrospect = "/oauth/introspect"
	PathUserinfo   = "/userinfo"
	PathEndSession = "/oidc/logout"
	PathJWKS       = "/.well-known/jwks.json"
	// RequestURIPrefix starts the request_uri a PAR answer hands out.
	RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"
)

// Provider is the OpenID Connect provider: zitadel/oidc's op over our
// storage, with pushed authorization requests, client-assertion replay
// refusal and per-client rate limits in front of it.
type Provider struct {
	s      *Service
	op     *op.Provider
	issuer string
}

// NewProvider builds the provider for issuer (the public URL). tokenKey
// (32 bytes, shared by every instance: SecretTokens) encrypts the bearer
// access tokens; k signs ID tokens with the platform's published key.
func (s *Service) NewProvider(issuer string, k Keys, tokenKey []byte) (*Provider, error) {
	if len(tokenKey) != 32 || k == nil {
		return nil, digitalid.Errorf(digitalid.EINVALID, "oidc: a key store and a 32-byte token key are required")
	}
	issuer = strings.TrimSuffix(issuer, "/")
	cfg := &op.Config{
		CodeMethodS256:           true,
		DefaultLogoutRedirectURI: "/",
		AuthMethodPost:           false,
		AuthMethodPrivateKeyJWT:  true,
		GrantTypeRefreshToken:    true,
		SupportedScopes:          s.Scopes(),
		SupportedClaims:          []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "c_hash", "at_hash", "azp"},
	}
	copy(cfg.CryptoKey[:], tokenKey)
	opts := []op.Option{
		op.WithCustomAuthEndpoint(op.NewEndpoint(strings.TrimPrefix(PathAuthorize, "/"))),
		op.WithCustomTokenEndpoint(op.NewEndpoint(strings.TrimPrefix(PathToken, "/"))),
		op.WithCustomRevocationEndpoint(op.NewEndpoint(strings.TrimPrefix(PathRevoke, "/"))),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint(strings.TrimPrefix(PathIntrospect, "/"))),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint(strings.TrimPrefix(PathUserinfo, "/"))),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint(strings.TrimPrefix(PathEndSession, "/"))),
		op.WithCustomKeysEndpoint(op.NewEndpoint(strings.TrimPrefix(PathJWKS, "/"))),
	}
	if strings.HasPrefix(issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewProvider(cfg, &storage{s: s, keys: k}, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc: provider: %w", err)
	}
	return &Provider{s: s, op: p, issuer: issuer}, nil
}

// Route is one protocol endpoint to mount. CrossOrigin routes are called
// by relying parties' servers or by browsers posting forms from their
// sites, never authenticated by our cookies.
type Route struct {
	Pattern     string
	Handler     http.Handler
	CrossOrigin bool
}

// Routes returns the provider's endpoints.
func (p *Provider) Routes() []Route {
	opH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.op.ServeHTTP(w, r) })
	client := p.clientAuthenticated(opH, false)
	return []Route{
		{"GET " + PathDiscovery, http.HandlerFunc(p.discovery), false},
		{"GET " + PathAuthorize, withIss(p.issuer, http.HandlerFunc(p.authorize)), false},
		{"POST " + PathAuthorize, withIss(p.issuer, http.HandlerFunc(p.authorize)), true},
		{"GET " + PathCallback, withIss(p.issuer, opH), false},
		{"POST " + PathToken, p.clientAuthenticated(opH, true), true},
		{"POST " + PathRevoke, client, true},
		{"POST " + PathIntrospect, client, true},
		{"POST " + PathPAR, p.clientAuthenticated(http.HandlerFunc(p.par), false), true},
		{"GET " + PathUserinfo, opH, false},
		{"POST " + PathUserinfo, opH, true},
		{"GET " + PathEndSession, opH, false},
	}
}

// Issuer returns the provider's issuer identifier.
func (p *Provider) Issuer() string { return p.issuer }

// CallbackURL is where the consent page sends the browser once the
// citizen has approved: op issues the code there.
func (p *Provider) CallbackURL(requestID string) string {
	return PathCallback + "?id=" + url.QueryEscape(requestID)
}

// Deny sends the browser back to the relying party with access_denied.
func (p *Provider) Deny(w http.ResponseWriter, r *http.Request, req Request) {
	r = r.WithContext(op.ContextWithIssuer(r.Context(), p.issuer))
	op.AuthRequestError(&issWriter{ResponseWriter: w, issuer: p.issuer}, r, authRequest{req}, zoidc.ErrAccessDenied().WithDescription("the citizen declined"), p.op)
}

// AccessToken returns the live access token of a bearer value, with its
// consent: ENOTFOUND for a value that is not one of our tokens or has
// expired or been revoked, EFORBIDDEN when its consent no longer grants
// (revoked, expired, account deleted, device blocked).
func (p *Provider) AccessToken(ctx context.Context, bearer string) (Token, Consent, error) {
	plain, err := p.op.Crypto().Decrypt(bearer)
	if err != nil {
		return Token{}, Consent{}, digitalid.Errorf(digitalid.ENOTFOUND, "the token is not valid")
	}
	id, sub, ok := strings.Cut(plain, ":")
	if !ok {
		return Token{}, Consent{}, digitalid.Errorf(digitalid.ENOTFOUND, "the token is not valid")
	}
	return p.s.LiveToken(ctx, id, sub)
}

// discovery serves the op's discovery document plus what op does not know
// about: the PAR endpoint, the one response mode and the assertion
// algorithms we accept.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	ctx := op.ContextWithIssuer(r.Context(), p.issuer)
	d := op.CreateDiscoveryConfig(ctx, p.op, p.op.Storage())
	b, err := json.Marshal(d)
	var m map[string]any
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		http.Error(w, "discovery unavailable", http.StatusInternalServerError)
		return
	}
	m["pushed_authorization_request_endpoint"] = p.issuer + PathPAR
	m["response_modes_supported"] = []string{"query"}
	m["response_types_supported"] = []string{"code"}
	m["grant_types_supported"] = []string{"authorization_code", "refresh_token"}
	m["subject_types_supported"] = []string{"pairwise"}
	m["token_endpoint_auth_methods_supported"] = []string{AuthPrivateKeyJWT, AuthSecretBasic}
	m["revocation_endpoint_auth_methods_supported"] = []string{AuthPrivateKeyJWT, AuthSecretBasic}
	m["introspection_endpoint_auth_methods_supported"] = []string{AuthPrivateKeyJWT, AuthSecretBasic}
	m["token_endpoint_auth_signing_alg_values_supported"] = assertionAlgs
	m["authorization_response_iss_parameter_supported"] = true
	m["request_parameter_supported"] = false
	m["request_uri_parameter_supported"] = true
	m["require_request_uri_registration"] = false
	m["claims_parameter_supported"] = false
	delete(m, "device_authorization_endpoint")
	delete(m, "check_session_iframe")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	json.NewEncoder(w).Encode(m)
}

// authorize serves the authorization endpoint: a request_uri from PAR is
// replaced by the pushed parameters (once), then op takes over.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "cannot parse the request")
		return
	}
	if ru := r.Form.Get("request_uri"); ru != "" {
		id, ok := strings.CutPrefix(ru, RequestURIPrefix)
		if !ok || r.Form.Get("client_id") == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "request_uri must come from the PAR endpoint, with client_id")
			return
		}
		req, err := p.s.store.TakePushed(r.Context(), id, r.Form.Get("client_id"), p.s.now())
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request_uri", "the request_uri is unknown, expired or used")
			return
		}
		r2 := r.Clone(r.Context())
		r2.Method = http.MethodGet
		r2.URL.RawQuery = req.Params.Query
		r2.Form, r2.PostForm, r2.Body = nil, nil, http.NoBody
		r2.ContentLength = 0
		r2.Header.Del("Content-Type")
		r = r2
	}
	p.op.ServeHTTP(w, r)
}

// clientAuthenticated checks the client of a back-channel request before
// op sees it: a client assertion is verified here too so that its jti is
// recorded (op does not refuse replays), and token requests of the
// authenticated client count against its rate limit. Basic authentication
// is left to op, except for PAR, which op does not serve.
func (p *Provider) clientAuthenticated(next http.Handler, rateLimited bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "cannot parse the form")
			return
		}
		// The rate counts requests of an authenticated client, so that
		// nobody else can spend a client's budget: after the assertion is
		// verified, or (development clients) by the Basic user name.
		limited := func(id string) bool {
			if !rateLimited {
				return false
			}
			ok, until, err := p.s.allowToken(r.Context(), id)
			if err != nil {
				oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again later")
				return true
			}
			if !ok {
				w.Header().Set("Retry-After", strconv.Itoa(max(1, int(until.Sub(p.s.now()).Seconds()+0.999))))
				oauthError(w, http.StatusTooManyRequests, "slow_down", "too many token requests for this client")
				return true
			}
			return false
		}
		if user, isBasic := basicOnly(r); isBasic && r.URL.Path != PathPAR {
			if id, err := url.QueryUnescape(user); err == nil && !limited(id) {
				next.ServeHTTP(w, r)
			} else if err != nil {
				oauthError(w, http.StatusUnauthorized, "invalid_client", "malformed client credentials")
			}
			return
		}
		c, err := p.s.authenticate(r.Context(), r, p.issuer)
		var ce *clientError
		if errors.As(err, &ce) {
			w.Header().Set("WWW-Authenticate", `Basic realm="digitalid"`)
			oauthError(w, http.StatusUnauthorized, "invalid_client", ce.desc)
			return
		}
		if err != nil {
			p.s.log.Error("oidc: client authentication", "err", err)
			oauthError(w, http.StatusInternalServerError, "server_error", "try again later")
			return
		}
		if limited(c.ID) {
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), clientKeyCtx{}, c))
		next.ServeHTTP(w, r)
	})
}

type clientKeyCtx struct{}

// basicOnly reports whether r authenticates with HTTP Basic and carries no
// assertion.
func basicOnly(r *http.Request) (string, bool) {
	u, _, ok := r.BasicAuth()
	return u, ok && r.PostForm.Get("client_assertion") == ""
}

// oauthError writes an OAuth error response (RFC 6749, section 5.2).
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// par serves pushed authorization requests (RFC 9126): the client,
// authenticated, pushes the parameters and gets a short-lived
// request_uri; they are checked now as the authorization endpoint would.
func (p *Provider) par(w http.ResponseWriter, r *http.Request) {
	c := r.Context().Value(clientKeyCtx{}).(RelyingParty)
	f := r.PostForm
	if f.Get("request_uri") != "" || f.Get("request") != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "request_uri and request are not allowed here")
		return
	}
	if id := f.Get("client_id"); id != "" && id != c.ID {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id does not match the client")
		return
	}
	params, err := checkParams(c, Params{RedirectURI: f.Get("redirect_uri"), Scopes: strings.Fields(f.Get("scope")),
		State: f.Get("state"), Nonce: f.Get("nonce"), ResponseType: f.Get("response_type"), ResponseMode: f.Get("response_mode"),
		CodeChallenge: f.Get("code_challenge"), CodeChallengeMethod: f.Get("code_challenge_method")})
	var oe *zoidc.Error
	if errors.As(err, &oe) {
		oauthError(w, http.StatusBadRequest, string(oe.ErrorType), oe.Description)
		return
	}
	q := url.Values{}
	for k, v := range f {
		switch k {
		case "client_assertion", "client_assertion_type", "client_secret":
		default:
			q[k] = v
		}
	}
	q.Set("client_id", c.ID)
	params.Query = q.Encode()
	now := p.s.now()
	req := Request{ID: newID("par_"), ClientID: c.ID, Params: params, State: RequestPushed, CreatedAt: now, ExpiresAt: now.Add(p.s.cfg.PushedTTL)}
	if err := p.s.store.CreateRequest(r.Context(), req); err != nil {
		p.s.log.Error("oidc: store pushed request", "err", err)
		oauthError(w, http.StatusInternalServerError, "server_error", "try again later")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"request_uri": RequestURIPrefix + req.ID, "expires_in": int(p.s.cfg.PushedTTL.Seconds())})
}

// Logger is for the web layer's own messages about the provider.
func (p *Provider) Logger() *slog.Logger { return p.s.log }
