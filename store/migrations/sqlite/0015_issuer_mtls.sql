-- Issuer client certificates (package issuer, mutual TLS as in RFC 8705
-- "self-signed certificate" client authentication): an issuer may
-- authenticate to the issuer API with a registered TLS client certificate
-- instead of a client assertion. Only the certificate's SHA-256 thumbprint
-- (base64url of the DER, as x5t#S256) is kept, unique across issuers, with
-- the certificate's validity end. Times are RFC 3339 text (UTC, µs).
CREATE TABLE issuer_client_certs (
	thumbprint TEXT PRIMARY KEY,
	issuer_id TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
	not_after TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX issuer_client_certs_issuer ON issuer_client_certs (issuer_id);
