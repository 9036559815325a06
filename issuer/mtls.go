package issuer

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
)

// Mutual TLS for issuers, as an alternative to private_key_jwt: RFC 8705
// section 2.2 ("self-signed certificate mutual TLS"). An operator registers
// an issuer's TLS client certificate (`digitalid admin issuer add
// --client-cert FILE`); the platform keeps only its SHA-256 thumbprint
// (x5t#S256: base64url of the SHA-256 of the DER). The server asks every
// TLS client for a certificate without requiring one (citizens' browsers
// send none) and without checking it against a CA: a call that carries no
// client assertion but presents a registered certificate, within its
// validity period, authenticates as that certificate's issuer. The TLS
// handshake proves the client holds the certificate's private key, so
// there is nothing to replay. Documents are still signed with the issuer's
// JWKS keys: the certificate replaces only the assertion.

// CertStore keeps issuers' client certificate thumbprints. store.DB
// implements it.
type CertStore interface {
	// AddIssuerCert registers thumbprint for the issuer. Returns ECONFLICT
	// if the thumbprint is registered (for any issuer) and ENOTFOUND if
	// there is no such issuer.
	AddIssuerCert(ctx context.Context, issuerID, thumbprint string, notAfter, at time.Time) error
	// IssuerByCertThumbprint returns the issuer the thumbprint belongs to.
	// Returns ENOTFOUND if none.
	IssuerByCertThumbprint(ctx context.Context, thumbprint string) (Issuer, error)
	// IssuerCertThumbprints lists the issuer's thumbprints, oldest first.
	IssuerCertThumbprints(ctx context.Context, issuerID string) ([]string, error)
}

// Thumbprint is the RFC 8705 x5t#S256 of a certificate: the unpadded
// base64url SHA-256 of its DER.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ParseCertPEM reads the first certificate of a PEM file. Returns EINVALID
// when there is none or it does not parse.
func ParseCertPEM(b []byte) (*x509.Certificate, error) {
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return nil, digitalid.Errorf(digitalid.EINVALID, "no PEM CERTIFICATE block")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, digitalid.Wrap(digitalid.EINVALID, err, "the certificate does not parse")
		}
		return c, nil
	}
}

func (s *Service) certs() (CertStore, error) {
	cs, ok := s.cfg.Store.(CertStore)
	if !ok {
		return nil, digitalid.Errorf(digitalid.EINTERNAL, "issuer: the store keeps no client certificates")
	}
	return cs, nil
}

// AddClientCert registers a TLS client certificate (PEM) for the issuer on
// behalf of the operator and returns its thumbprint; audited on the system
// chain. Returns EINVALID for a certificate that does not parse or has
// expired, ECONFLICT if it is registered already, ENOTFOUND for an unknown
// issuer.
func (s *Service) AddClientCert(ctx context.Context, operator, issuerID string, certPEM []byte) (string, error) {
	cs, err := s.certs()
	if err != nil {
		return "", err
	}
	cert, err := ParseCertPEM(certPEM)
	if err != nil {
		return "", err
	}
	now := s.cfg.Clock()
	if !now.Before(cert.NotAfter) {
		return "", digitalid.Errorf(digitalid.EINVALID, "the certificate expired on %s", cert.NotAfter.UTC().Format(time.DateOnly))
	}
	tp := Thumbprint(cert)
	if err := cs.AddIssuerCert(ctx, issuerID, tp, cert.NotAfter.UTC(), now.UTC()); err != nil {
		return "", fmt.Errorf("issuer: add client certificate of %s: %w", issuerID, err)
	}
	return tp, s.operatorEvent(ctx, operator, "issuer.client_cert_added", issuerID)
}

// ClientCerts lists the thumbprints registered for the issuer.
func (s *Service) ClientCerts(ctx context.Context, issuerID string) ([]string, error) {
	cs, err := s.certs()
	if err != nil {
		return nil, err
	}
	l, err := cs.IssuerCertThumbprints(ctx, issuerID)
	if err != nil {
		return nil, fmt.Errorf("issuer: client certificates of %s: %w", issuerID, err)
	}
	return l, nil
}

// AuthenticateCert authenticates a call by the TLS client certificate the
// client presented (the first of http.Request.TLS.PeerCertificates): it
// must be registered, within its validity period, and its issuer active.
// The call then counts against the issuer's rate limit like an assertion.
// Returns the issuer, or EUNAUTHORIZED (issuer.error.client_cert) saying
// nothing of which certificates exist, or ERATELIMITED.
func (s *Service) AuthenticateCert(ctx context.Context, cert *x509.Certificate) (Issuer, error) {
	invalid := unauthorized("client_cert", "The TLS client certificate is not registered for an active issuer, or is not valid now.", nil)
	if cert == nil {
		return Issuer{}, invalid
	}
	cs, err := s.certs()
	if err != nil {
		return Issuer{}, err
	}
	tp := Thumbprint(cert)
	iss, err := cs.IssuerByCertThumbprint(ctx, tp)
	if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
		s.cfg.Logger.WarnContext(ctx, "issuer client certificate refused", "thumbprint", tp, "reason", "unknown")
		return Issuer{}, invalid
	}
	if err != nil {
		return Issuer{}, fmt.Errorf("issuer: authenticate certificate: %w", err)
	}
	now := s.cfg.Clock()
	if iss.Status != StatusActive || now.Before(cert.NotBefore) || !now.Before(cert.NotAfter) {
		s.cfg.Logger.WarnContext(ctx, "issuer client certificate refused", "issuer", iss.ID, "reason", "disabled or outside validity")
		return Issuer{}, invalid
	}
	if err := s.allow(ctx, iss.ID); err != nil {
		return Issuer{}, err
	}
	return iss, nil
}
