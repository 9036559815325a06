package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/audit"
)

// NewClient is what an operator registers. Exactly one of PublicKeys (for
// private_key_jwt) and DevSecret (client_secret_basic, development only)
// is used.
type NewClient struct {
	Name           string
	LogoURL        string
	RedirectURIs   []string
	PostLogoutURIs []string
	Scopes         []string
	RequiredScopes []string
	PublicKeys     []byte // a JWKS (JSON)
	DevSecret      bool
	ConsentDays    int
}

// AddClient registers a relying party and returns it, with the client
// secret (shown once) for a development client. Returns EINVALID with
// field errors for a bad registration.
func (s *Service) AddClient(ctx context.Context, operator string, n NewClient) (RelyingParty, string, error) {
	c := RelyingParty{ID: newID("rp_"), Name: n.Name, LogoURL: n.LogoURL, RedirectURIs: n.RedirectURIs,
		PostLogoutURIs: n.PostLogoutURIs, RequiredScopes: n.RequiredScopes, ConsentDays: n.ConsentDays,
		Status: ClientActive, CreatedAt: s.now()}
	if c.ConsentDays == 0 {
		c.ConsentDays = DefaultConsentDays
	}
	var fes []digitalid.FieldError
	bad := func(field, msg string) { fes = append(fes, digitalid.FieldError{Field: field, Message: msg}) }
	if n.Name == "" || len(n.Name) > 200 {
		bad("name", "a name of 1 to 200 bytes is required")
	}
	if n.LogoURL != "" {
		if u, err := url.Parse(n.LogoURL); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("logo", "the logo must be an https URL")
		}
	}
	if len(n.RedirectURIs) == 0 {
		bad("redirect_uri", "at least one redirect URI is required")
	}
	for _, list := range [][]string{n.RedirectURIs, n.PostLogoutURIs} {
		for _, r := range list {
			if u, err := url.Parse(r); err != nil || u.Fragment != "" || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
				bad("redirect_uri", fmt.Sprintf("%q must be an absolute https URL (http only on loopback), without a fragment", r))
			}
		}
	}
	c.Scopes = []string{ScopeOpenID}
	for _, sc := range n.Scopes {
		if !slices.Contains(s.scopes, sc) {
			bad("scopes", fmt.Sprintf("unknown scope %q", sc))
		} else if !slices.Contains(c.Scopes, sc) {
			c.Scopes = append(c.Scopes, sc)
		}
	}
	for _, sc := range n.RequiredScopes {
		if !slices.Contains(c.Scopes, sc) {
			bad("required_scopes", fmt.Sprintf("required scope %q is not among the scopes", sc))
		}
	}
	if c.ConsentDays < 1 || c.ConsentDays > 365 {
		bad("consent_days", "consents last 1 to 365 days")
	}
	var secret string
	switch {
	case n.DevSecret && len(n.PublicKeys) > 0:
		bad("jwks", "give either public keys or a development secret, not both")
	case n.DevSecret:
		c.AuthMethod = AuthSecretBasic
		b := make([]byte, 32)
		rand.Read(b)
		secret = base64.RawURLEncoding.EncodeToString(b)
		c.SecretHash = hash(secret)
	default:
		c.AuthMethod = AuthPrivateKeyJWT
		if err := json.Unmarshal(n.PublicKeys, &c.PublicKeys); err != nil || len(c.PublicKeys.Keys) == 0 {
			bad("jwks", "a JWKS with at least one public key is required")
		}
		for _, k := range c.PublicKeys.Keys {
			if !k.IsPublic() || !k.Valid() {
				bad("jwks", "the JWKS must hold public keys only")
				break
			}
		}
	}
	if len(fes) > 0 {
		return RelyingParty{}, "", &digitalid.Error{Code: digitalid.EINVALID, Message: "the relying party is not valid", Fields: fes}
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		return RelyingParty{}, "", err
	}
	err := s.record(ctx, audit.Event{Actor: audit.Actor{Type: audit.ActorOperator, ID: operator}, Action: "oidc.client.added",
		Object: "relying_party:" + c.ID, Result: audit.Success, Details: map[string]string{"auth_method": c.AuthMethod}})
	return c, secret, err
}

func isLoopback(host string) bool { return host == "127.0.0.1" || host == "::1" || host == "localhost" }

// Clients lists the relying parties.
func (s *Service) Clients(ctx context.Context) ([]RelyingParty, error) { return s.store.Clients(ctx) }

// Client returns one relying party. Returns ENOTFOUND if there is none.
func (s *Service) Client(ctx context.Context, id string) (RelyingParty, error) {
	return s.store.Client(ctx, id)
}

// DisableClient disables a relying party and revokes its tokens at once.
func (s *Service) DisableClient(ctx context.Context, operator, id string) error {
	if err := s.store.DisableClient(ctx, id, s.now()); err != nil {
		return err
	}
	return s.record(ctx, audit.Event{Actor: audit.Actor{Type: audit.ActorOperator, ID: operator}, Action: "oidc.client.disabled",
		Object: "relying_party:" + id, Result: audit.Success})
}
