package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/digitalid/digitalid/issuer"
)

var _ issuer.CertStore = (*DB)(nil)

// AddIssuerCert implements issuer.CertStore: a unique insert on the
// thumbprint.
func (db *DB) AddIssuerCert(ctx context.Context, issuerID, thumbprint string, notAfter, at time.Time) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO issuer_client_certs (thumbprint, issuer_id, not_after, created_at) VALUES (?, ?, ?, ?)`,
		thumbprint, issuerID, formatTime(notAfter), formatTime(at))
	return wrapf(translateFK(err), "add client certificate of "+issuerID)
}

// IssuerByCertThumbprint implements issuer.CertStore.
func (db *DB) IssuerByCertThumbprint(ctx context.Context, thumbprint string) (issuer.Issuer, error) {
	i, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+prefixed("i.", issuerColumns)+` FROM issuer_client_certs c
		JOIN issuers i ON i.id = c.issuer_id WHERE c.thumbprint = ?`, thumbprint), row[issuer.Issuer](&issuerRow{}))
	return i, wrapf(err, "find issuer by client certificate")
}

// IssuerCertThumbprints implements issuer.CertStore.
func (db *DB) IssuerCertThumbprints(ctx context.Context, issuerID string) ([]string, error) {
	rows, err := db.query(ctx, db.sql, `SELECT thumbprint FROM issuer_client_certs WHERE issuer_id = ? ORDER BY created_at, thumbprint`, issuerID)
	if err != nil {
		return nil, fmt.Errorf("list client certificates: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("list client certificates: %w", err)
		}
		out = append(out, t)
	}
	return out, wrapf(rows.Err(), "list client certificates")
}

// prefixed puts p before each name of a comma-separated column list.
func prefixed(p, cols string) string {
	names := strings.Split(cols, ",")
	for i, c := range names {
		names[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(names, ", ")
}
